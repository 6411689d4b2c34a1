package tcpsim.packetdrill;

import java.util.List;
import java.util.Map;
import tcpsim.net.Packet;

/**
 * The seam between the script runner and what runs the script: the model (virtual time) or the
 * live kernel (a TUN device in a private network namespace, real time). The runner owns the
 * script's semantics (relative sequence numbers, fd mapping, timing tolerance, matching); a backend
 * only performs effects and reports what it observed, with the time it observed it.
 *
 * <p>Times are microseconds since {@link #start}. Packets are absolute (real ISNs, ports,
 * addresses): the runner translates script-relative numbers both ways.
 */
public interface Backend extends AutoCloseable {

    /** "model" or "kernel". */
    String name();

    /**
     * Bring up the host under test. For the kernel this is the namespace and TUN device; for the
     * model a deterministic simulation with one host and the scripted peer across a link.
     */
    void start(Config config) throws BackendException;

    /** Current time, µs since start (virtual for the model, monotonic real time for the kernel). */
    long nowMicros();

    /**
     * Let time pass until something is observed or {@code deadlineMicros} is reached, whichever is
     * first. Returns the observation (an outbound packet or a completed blocking call) or null
     * when the deadline passed with nothing. Never returns an observation later than the deadline.
     */
    Observed next(long deadlineMicros) throws BackendException;

    /** Inject an inbound packet (from the scripted peer) now. */
    void inject(Packet packet) throws BackendException;

    /**
     * Make a system call now. When {@code blocking} is false the call must complete at once and its
     * result is returned. When true the call may block: the result is null, and completion arrives
     * later from {@link #next} as a {@link CallDone} with the same {@code callId}.
     */
    SyscallResult syscall(int callId, Syscall call, boolean blocking) throws BackendException;

    /** Apply a sysctl, e.g. ("net.ipv4.tcp_timestamps", "0"). */
    void sysctl(String key, String value) throws BackendException;

    /**
     * Run a shell command that is not a sysctl setting. The kernel backend runs it in the
     * namespace; the model reports {@link ShellResult#notModeled}.
     */
    ShellResult shell(String command) throws BackendException;

    /** getsockopt(TCP_INFO) for a (backend) fd, as tcpi_* names to values. */
    Map<String, Long> tcpInfo(int fd) throws BackendException;

    /**
     * The host's SNMP and netstat counters under the names nstat prints ("TcpOutSegs",
     * "TcpExtListenDrops"), counted from {@link #start}; a name that is absent is zero. Scripts
     * cannot state counters, so tests read them here before the runner closes the backend.
     */
    Map<String, Long> nstat() throws BackendException;

    @Override
    void close();

    // ---- values crossing the seam ----

    /**
     * What the script's header and the runner defaults give: addresses (IPv4, host order), the port
     * scripts bind and connect to, MTU, and the sysctls to apply before the script starts.
     */
    record Config(int localIp, int remoteIp, int gatewayIp, int prefixLength, int port, int mtu,
                  Map<String, String> sysctls) {
        public Config { sysctls = Map.copyOf(sysctls); }
    }

    /** Something the backend observed, at {@code timeMicros}. */
    sealed interface Observed permits Outbound, CallDone {
        long timeMicros();
    }

    /** A packet the host under test sent toward the scripted peer. */
    record Outbound(long timeMicros, Packet packet) implements Observed {}

    /** A blocking call started by {@link #syscall} with {@code blocking = true} returned. */
    record CallDone(long timeMicros, int callId, SyscallResult result) implements Observed {}

    /**
     * A system call with its arguments resolved to values: symbolic constants are already numbers
     * (Linux x86-64 values, see {@link LinuxConstants}), socket addresses are filled in.
     */
    record Syscall(String name, List<Arg> args) {
        public Syscall { args = List.copyOf(args); }
    }

    /** An argument of a system call. */
    sealed interface Arg permits Arg.Int, Arg.Ellipsis, Arg.Null, Arg.IntArray, Arg.Struct,
        Arg.Bytes, Arg.Sockaddr, Arg.ArrayOf {
        /** A number, or an fd already mapped to the backend's own fd. */
        record Int(long value) implements Arg {}
        /** "...": a buffer or length to fill in or ignore. */
        record Ellipsis() implements Arg {}
        record Null() implements Arg {}
        /** "[1]": a pointer to ints, as for setsockopt's optval. */
        record IntArray(long[] values) implements Arg {}
        /** "{onoff=1, linger=0}", "{fd=3, events=POLLIN}": named fields, in order. */
        record Struct(Map<String, Arg> fields) implements Arg {}
        /** A string literal (e.g. TCP_FASTOPEN_KEY), escapes decoded. */
        record Bytes(byte[] value) implements Arg {}
        /** A socket address the runner filled in for bind/connect/sendto ("..." in the script). */
        record Sockaddr(int family, int ip, int port) implements Arg {}
        /** An array of structs: poll's {@code [{fd=3, events=POLLIN}]}, an iovec array. */
        record ArrayOf(List<Arg> items) implements Arg {
            public ArrayOf { items = List.copyOf(items); }
        }
    }

    /**
     * A call's result: the return value, the errno name when it failed (null otherwise), and any
     * out-values the runner may check (e.g. "optval" for getsockopt, "revents" for poll).
     */
    record SyscallResult(long ret, String errno, Map<String, Long> out) {
        public SyscallResult { out = Map.copyOf(out); }
        public static SyscallResult ok(long ret) { return new SyscallResult(ret, null, Map.of()); }
        public static SyscallResult error(String errno) { return new SyscallResult(-1, errno, Map.of()); }
    }

    /** The outcome of a shell command. */
    record ShellResult(int exitCode, String output, boolean notModeled) {
        public static ShellResult notModeled(String command) {
            return new ShellResult(0, "not modeled: " + command, true);
        }
    }

    /** A backend could not do what was asked (no root, no /dev/net/tun, ...). One line, no trace. */
    final class BackendException extends Exception {
        public BackendException(String message) { super(message); }
        public BackendException(String message, Throwable cause) { super(message, cause); }
    }
}
