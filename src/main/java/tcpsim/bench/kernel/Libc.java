package tcpsim.bench.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The few process facts the kernel benchmark needs from libc and /proc: the open-file limit
 * (holding N connections with both ends in one process costs 2N descriptors), the open-fd count,
 * and the page size slabs are counted in.
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

        double otherSecondsSince(CpuTicks earlier) {
            long other = (machineBusy - earlier.machineBusy) - (self - earlier.self);
            return Math.max(0, other) / (double) C.sysconf(SC_CLK_TCK);
        }
    }
}
