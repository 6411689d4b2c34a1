package tcpsim.bench.kernel;

import java.util.List;

/**
 * Kernel memory held by established loopback connections, both ends counted: the change in
 * /proc/meminfo slab totals between before and after opening them, per connection.
 *
 * @param connections connections held (each is two sockets)
 * @param processes processes they were spread over (the fd limit caps one process at about
 *        half of RLIMIT_NOFILE connections)
 * @param slabDeltaBytes change of {@code Slab:}
 * @param reclaimableDeltaBytes change of {@code SReclaimable:} (dentry, sock_inode_cache, ...)
 * @param unreclaimableDeltaBytes change of {@code SUnreclaim:} (TCP, filp, kmalloc-*, ...)
 * @param heapDeltaBytes change of Java heap in use after GC, summed over the processes
 * @param caches /proc/slabinfo caches that changed noticeably, largest first; empty when
 *        /proc/slabinfo was not readable
 */
public record SlabPerConnection(int connections, int processes, long slabDeltaBytes, long reclaimableDeltaBytes,
                                long unreclaimableDeltaBytes, long heapDeltaBytes, List<CacheDelta> caches) {

    public SlabPerConnection {
        caches = List.copyOf(caches);
    }

    public double slabBytesPerConnection() {
        return (double) slabDeltaBytes / connections;
    }

    /**
     * {@link #slabBytesPerConnection} less what listing {@code /proc/<pid>/fd} of the holding
     * processes added meanwhile: one proc_inode_cache inode and one dentry per fd listed
     * (fs/proc/fd.c: proc_fd_instantiate). A monitor outside the benchmark that reads every
     * process's fds does that on some machines; it is not memory the connections hold. Equals
     * the raw figure when /proc/slabinfo was unreadable or nothing listed the fds.
     */
    public double slabBytesPerConnectionExcludingProcFd() {
        long procInodes = 0;
        long procInodeBytes = 0;
        int dentrySize = 0;
        for (CacheDelta c : caches) {
            if (c.name().equals("proc_inode_cache")) {
                procInodes = Math.max(0, c.objectsDelta());
                procInodeBytes = Math.max(0, c.bytesDelta());
            } else if (c.name().equals("dentry")) {
                dentrySize = c.objectSize();
            }
        }
        return (slabDeltaBytes - procInodeBytes - procInodes * dentrySize) / (double) connections;
    }

    public double reclaimableBytesPerConnection() {
        return (double) reclaimableDeltaBytes / connections;
    }

    public double unreclaimableBytesPerConnection() {
        return (double) unreclaimableDeltaBytes / connections;
    }

    public double heapBytesPerConnection() {
        return (double) heapDeltaBytes / connections;
    }

    /**
     * One slab cache's change.
     *
     * @param objectsDelta change of active objects
     * @param bytesDelta change of the cache's slab pages, in bytes (what {@code Slab:} counts)
     * @param mergedWith other caches SLUB merged into this one, whose objects it also counts
     */
    public record CacheDelta(String name, int objectSize, long objectsDelta, long bytesDelta, int connections,
                             List<String> mergedWith) {
        public CacheDelta {
            mergedWith = List.copyOf(mergedWith);
        }

        public double objectsPerConnection() {
            return (double) objectsDelta / connections;
        }

        public double bytesPerConnection() {
            return (double) bytesDelta / connections;
        }
    }
}
