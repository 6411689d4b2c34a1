package tcpsim.runtime;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.StashBuffer;

/**
 * An actor that stands for a lock stashes what arrives while it waits on a nested lock. Releasing
 * it (release_sock, spin_unlock) handles the stashed messages in order, one at a time, and stops as
 * soon as one of them takes the lock again: the rest stay stashed, in order, instead of being
 * replayed into the waiting behaviour and stashed anew (unstashAll's cost is quadratic in the queue).
 */
public final class Locks {
    private Locks() {}

    public static <T> Behavior<T> release(StashBuffer<T> stash, Behavior<T> unlocked) {
        Behavior<T> b = unlocked;
        while (b == unlocked && !stash.isEmpty()) b = stash.unstash(unlocked, 1, m -> m);
        return b;
    }
}
