package tcpsim.runtime;

/**
 * struct timer_list as embedded in a socket: its owner's view (pending, expiry, generation). The
 * timer base keeps its own copy of the deadline; this object is only the key. An expiry that
 * arrives with an old generation lost a race with del_timer/mod_timer and is ignored, as the
 * kernel's handlers do after re-checking under the socket lock.
 */
public final class TimerList {
    public final String name;
    public boolean pending;
    public long expires;
    public int generation;
    /**
     * The timer base has taken this expiry off its queue to run it (expire_timers' detach_timer): the
     * kernel's timer_pending() is false while the handler runs, though {@link #pending} (the owner's
     * view) is true until the handler has run. Cleared by the next mod_timer.
     */
    public volatile boolean detached;

    public TimerList(String name) {
        this.name = name;
    }

    /** include/linux/timer.h: timer_pending — armed and not yet taken by the base to run. */
    public boolean timerPending() {
        return pending && !detached;
    }

    /** Is an expiry of this generation still the live one? */
    public boolean current(int gen) {
        return pending && gen == generation;
    }

    @Override
    public String toString() {
        return name;
    }
}
