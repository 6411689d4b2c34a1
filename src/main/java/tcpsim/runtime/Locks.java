package tcpsim.runtime;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import java.util.function.Function;

/**
 * An actor that stands for a lock stashes what arrives while it waits on a nested lock. Releasing
 * it (release_sock, spin_unlock) handles the stashed messages in order, one at a time, and stops as
 * soon as one of them takes the lock again: the rest stay stashed, in order, instead of being
 * replayed into the waiting behaviour and stashed anew (unstashAll's cost is quadratic in the queue).
 */
public final class Locks {
    private Locks() {}

    /**
     * Hold the lock until {@code reply} comes, stashing everything else; {@code then} decides what
     * follows. A plain receive: a BehaviorBuilder per wait was 8 % of a handshake's CPU.
     */
    public static <T, R extends T> Behavior<T> await(StashBuffer<T> stash, Class<R> reply,
                                                     Function<R, Behavior<T>> then) {
        return Behaviors.receive((ctx, m) -> {
            if (reply.isInstance(m)) return then.apply(reply.cast(m));
            stash.stash(m);
            return Behaviors.same();
        });
    }

    public static <T> Behavior<T> release(StashBuffer<T> stash, Behavior<T> unlocked) {
        Behavior<T> b = unlocked;
        while (b == unlocked && !stash.isEmpty()) b = stash.unstash(unlocked, 1, m -> m);
        return b;
    }
}
