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

    public TimerList(String name) {
        this.name = name;
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
