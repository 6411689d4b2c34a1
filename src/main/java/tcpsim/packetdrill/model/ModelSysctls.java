package tcpsim.packetdrill.model;

import tcpsim.net.SysctlException;
import tcpsim.net.Sysctls;
import tcpsim.packetdrill.Backend.BackendException;

/**
 * Script sysctl writes onto the model's {@link Sysctls}: the name as packetdrill scripts write it
 * ({@code net.ipv4.x}, {@code net/ipv4/x} or {@code /proc/sys/net/ipv4/x}), checked as the kernel
 * checks it. A name the model does not read is refused as not modelled rather than ignored.
 */
final class ModelSysctls {
    private ModelSysctls() {}

    /** The namespace under test is a child netns, where this global sysctl is read-only. */
    private static final String RMEM_MAX = "net.core.rmem_max";
    private static final String TCP_ECN = "net.ipv4.tcp_ecn";

    /** "net/ipv4/x" and "/proc/sys/net/ipv4/x" as "net.ipv4.x". */
    static String normalize(String key) {
        String k = key.strip();
        if (k.startsWith("/proc/sys/")) k = k.substring("/proc/sys/".length());
        return k.replace('/', '.');
    }

    /** {@code current} with one more write, or the one-line reason the write is refused. */
    static Sysctls with(Sysctls current, String key, String value) throws BackendException {
        String name = normalize(key);
        String v = value.strip();
        if (Sysctls.Sysctl.byName(name).isEmpty()) {
            throw new BackendException("not modelled: sysctl " + name + " (the model does not read it)");
        }
        if (name.equals(TCP_ECN) && v.equals("1")) {
            throw new BackendException("not modelled: sysctl " + name + "=1 (ECN in our SYNs: tcp_ecn_send_syn)");
        }
        if (name.equals(RMEM_MAX) && !current.get(name).equals(v)) {
            throw new BackendException("sysctl " + name + "=" + v + " cannot be set: it is global, read-only in the "
                + "network namespace under test (it is " + current.get(name) + ")");
        }
        try {
            return current.with(name, v);
        } catch (SysctlException e) {
            throw new BackendException("sysctl " + e.getMessage());
        }
    }
}
