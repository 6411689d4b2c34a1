package tcpsim.packetdrill.kernel;

import com.sun.jna.Memory;

/**
 * packetdrill's run.c set_scheduling_priority(): on a machine with more than one CPU, the threads
 * that time a script run under SCHED_RR at the lowest real-time priority, so that a loaded machine
 * (benchmarks on the other cores) delays them by microseconds rather than by a scheduler slice.
 * The priority changes only when the scheduling does; timestamps are still taken as events happen.
 */
final class Realtime {
    private Realtime() {}

    private static final int SCHED_OTHER = 0, SCHED_RR = 2;

    /**
     * Puts the calling thread (and the threads it creates later) under SCHED_RR. Returns the
     * thread's id to hand to {@link #restore}, or -1 when nothing changed (one CPU, or not allowed).
     */
    static int enter() {
        if (Runtime.getRuntime().availableProcessors() <= 1) return -1;
        try {
            int min = Libc.C.sched_get_priority_min(SCHED_RR);
            if (min < 0 || Libc.C.sched_setscheduler(0, SCHED_RR, param(min)) != 0) return -1;
            return Libc.C.gettid();
        } catch (LinkageError e) {
            return -1;
        }
    }

    /** Back to the normal time-sharing policy for a thread {@link #enter} moved. */
    static void restore(int tid) {
        if (tid <= 0) return;
        try {
            Libc.C.sched_setscheduler(tid, SCHED_OTHER, param(0));
        } catch (LinkageError ignored) {
            // nothing was changed then either
        }
    }

    private static Memory param(int priority) {
        Memory m = new Memory(4);
        m.setInt(0, priority);
        return m;
    }
}
