package tcpsim.bench.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The few process facts the kernel benchmark needs from libc and /proc: the open-file limit
 * (holding N connections with both ends in one process costs 2N descriptors), the open-fd count,
 * and the page size slabs are counted in; and, in {@link Sockets}, the socket calls of the
 * handshake loop that bypasses the JDK's socket layer.
 */
final class Libc {
    private Libc() {}

    /** include/uapi/asm-generic/resource.h: RLIMIT_NOFILE (x86-64 and arm64 alike). */
    private static final int RLIMIT_NOFILE = 7;

    private interface C extends Library {
        /** struct rlimit is { rlim_t rlim_cur; rlim_t rlim_max; }, two 64-bit words. */
        int getrlimit(int resource, long[] rlim) throws LastErrorException;

        int setrlimit(int resource, long[] rlim) throws LastErrorException;

        int getpagesize();

        long sysconf(int name);

        int geteuid();
    }

    /** glibc bits/confname.h: _SC_CLK_TCK, the USER_HZ that /proc counts CPU time in. */
    private static final int SC_CLK_TCK = 2;

    private static final C C = Native.load("c", C.class);

    /** The soft RLIMIT_NOFILE: the most descriptors this process may have open. */
    static long fdLimit() {
        long[] rlim = new long[2];
        C.getrlimit(RLIMIT_NOFILE, rlim);
        return rlim[0];
    }

    /**
     * Raises the soft RLIMIT_NOFILE to at least {@code wanted}, raising the hard limit too if
     * needed and allowed (raising it takes CAP_SYS_RESOURCE, and it never goes past fs.nr_open).
     * Returns the soft limit in force afterwards, which may be lower than asked.
     */
    static long raiseFdLimit(long wanted) {
        long[] rlim = new long[2];
        C.getrlimit(RLIMIT_NOFILE, rlim);
        if (rlim[0] >= wanted) {
            return rlim[0];
        }
        if (rlim[1] < wanted) {
            try {
                C.setrlimit(RLIMIT_NOFILE, new long[] {wanted, wanted});
                return wanted;
            } catch (LastErrorException eperm) {
                // No CAP_SYS_RESOURCE, or above fs.nr_open: settle for the hard limit.
            }
        }
        long soft = Math.min(wanted, rlim[1]);
        C.setrlimit(RLIMIT_NOFILE, new long[] {soft, rlim[1]});
        return soft;
    }

    /** Descriptors open in this process now, from /proc/self/fd. */
    static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            // The directory stream itself holds one descriptor while we count.
            return (int) fds.count() - 1;
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
    }

    /**
     * Sockets and pipes open in this process now: the entries of /proc/self/fd that link to
     * "socket:[inode]" or "pipe:[inode]". Files (a jar opened for a class, a log) come and go with
     * the JVM's own work.
     */
    static int openSocketsAndPipes() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:") || target.startsWith("pipe:");
                } catch (IOException gone) {
                    return false; // closed meanwhile, or the directory stream's own descriptor
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd: " + e.getMessage(), e);
        }
    }

    static int geteuid() {
        return C.geteuid();
    }

    static int pageSize() {
        return C.getpagesize();
    }

    /**
     * CPU time, in seconds, that processes other than this one spent in user and system mode
     * since {@code earlier}, from the machine-wide "cpu" line of /proc/stat minus this process's
     * utime+stime from /proc/self/stat. Approximate: softirq work (loopback packets) is charged to
     * whichever context ran it, so this can be off by up to the softirq time.
     */
    record CpuTicks(long machineBusy, long self) {
        static CpuTicks now() {
            try {
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                // cpu  user nice system idle ...
                long busy = Long.parseLong(cpu[1]) + Long.parseLong(cpu[2]) + Long.parseLong(cpu[3]);
                String stat = Files.readString(Path.of("/proc/self/stat"));
                // Fields after "(comm)": state is field 3, utime 14, stime 15.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new CpuTicks(busy, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/stat: " + e.getMessage(), e);
            }
        }

        double selfSecondsSince(CpuTicks earlier) {
            return (self - earlier.self) / (double) C.sysconf(SC_CLK_TCK);
        }

        double otherSecondsSince(CpuTicks earlier) {
            long other = (machineBusy - earlier.machineBusy) - (self - earlier.self);
            return Math.max(0, other) / (double) C.sysconf(SC_CLK_TCK);
        }
    }

    /**
     * The handshake loop's socket calls, direct-mapped ({@code Native.register}): a JNA interface
     * proxy costs a reflective call per syscall, which would measure JNA rather than the kernel.
     * Failures return -1; {@code Native.getLastError()} on the same thread gives the errno.
     */
    static final class Sockets {
        static {
            Native.register("c");
        }

        private Sockets() {}

        static final int AF_INET = 2;
        static final int SOCK_STREAM = 1;
        /** asm-generic/socket.h */
        static final int SOL_SOCKET = 1;
        static final int SO_LINGER = 13;
        static final int SHUT_RDWR = 2;

        static native int socket(int domain, int type, int protocol);

        /** {@code optval} is a {@code struct linger {int l_onoff; int l_linger;}} here. */
        static native int setsockopt(int fd, int level, int optname, int[] optval, int optlen);

        static native int bind(int fd, byte[] addr, int addrlen);

        static native int listen(int fd, int backlog);

        static native int getsockname(int fd, byte[] addr, int[] addrlen);

        static native int connect(int fd, byte[] addr, int addrlen);

        static native int accept(int fd, Pointer addr, Pointer addrlen);

        static native int shutdown(int fd, int how);

        static native int close(int fd);

        static native String strerror(int errnum);

        /** A {@code struct sockaddr_in} for 127.0.0.1:{@code port}: family in host order, the rest in network order. */
        static byte[] loopback(int port) {
            byte[] sa = new byte[16];
            ByteBuffer.wrap(sa).order(ByteOrder.nativeOrder()).putShort((short) AF_INET);
            ByteBuffer.wrap(sa, 2, 6).order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(new byte[] {127, 0, 0, 1});
            return sa;
        }

        static int port(byte[] sockaddrIn) {
            return ByteBuffer.wrap(sockaddrIn, 2, 2).order(ByteOrder.BIG_ENDIAN).getShort() & 0xffff;
        }

        static String lastError(String call) {
            return call + ": " + strerror(Native.getLastError());
        }
    }
}
