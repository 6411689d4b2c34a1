package tcpsim.packetdrill.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tcpsim.packetdrill.Backend.BackendException;

/**
 * The agent's safety catch: it configures interfaces, routes and sysctls, so it must only ever do
 * so in a network namespace made for it. Every check must pass:
 * <ul>
 *   <li>our namespace differs from the launcher's (the parent JVM passes its own inode);</li>
 *   <li>it differs from our parent process's and from PID 1's, where those can be read (PID 1's
 *       often cannot, in a container without CAP_SYS_PTRACE);</li>
 *   <li>it is fresh: no interface but {@code lo}, which is what {@code unshare -n} gives.</li>
 * </ul>
 */
public final class NetnsGuard {
    private NetnsGuard() {}

    private static final Pattern NS_LINK = Pattern.compile("net:\\[(\\d+)]");

    /** Returns our namespace's inode, or throws when this process must not configure anything. */
    public static long requireIsolated(long launcherNetns) throws BackendException {
        long self = netnsInode(Path.of("/proc/self/ns/net"))
            .orElseThrow(() -> new BackendException("kernel agent: cannot read /proc/self/ns/net; refusing to configure"));
        if (self == launcherNetns) {
            throw new BackendException("kernel agent: in the launcher's network namespace (net:[" + self
                + "]); refusing to configure the host");
        }
        Optional<Long> parent = ProcessHandle.current().parent()
            .flatMap(p -> netnsInode(Path.of("/proc", Long.toString(p.pid()), "ns", "net")));
        if (parent.isPresent() && parent.get() == self) {
            throw new BackendException("kernel agent: in its parent process's network namespace (net:[" + self
                + "]); refusing to configure the host");
        }
        Optional<Long> init = netnsInode(Path.of("/proc/1/ns/net"));
        if (init.isPresent() && init.get() == self) {
            throw new BackendException("kernel agent: in PID 1's network namespace (net:[" + self
                + "]); refusing to configure the host");
        }
        List<String> others = interfacesOtherThanLo();
        if (!others.isEmpty()) {
            throw new BackendException("kernel agent: network namespace net:[" + self + "] is not fresh (has "
                + String.join(", ", others) + "); refusing to configure it");
        }
        return self;
    }

    /** The inode of a {@code /proc/PID/ns/net} link, empty when it cannot be read. */
    public static Optional<Long> netnsInode(Path link) {
        try {
            Matcher m = NS_LINK.matcher(Files.readSymbolicLink(link).toString());
            return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Interfaces of the current namespace, from /proc/self/net/dev (which follows the reader's netns). */
    private static List<String> interfacesOtherThanLo() throws BackendException {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/net/dev"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue; // the two header lines
                String name = line.substring(0, colon).trim();
                if (!name.equals("lo")) out.add(name);
            }
        } catch (IOException e) {
            throw new BackendException("kernel agent: cannot read /proc/self/net/dev: " + e.getMessage());
        }
        return out;
    }
}
