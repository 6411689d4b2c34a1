package tcpsim.runtime;

import java.util.List;

/**
 * Decides one scheduling point: which of the ready items runs next. {@code owners.get(i)} is the key of
 * the actor item {@code i} would run (its cell, compared by identity), or {@link Schedule#TIMER} for a
 * virtual-time task falling due; items are in the order they became ready. Called only when two or
 * more are ready, so every call is a real choice.
 */
@FunctionalInterface
public interface Chooser {
    int choose(List<Object> owners);

    /** Also told of every step, chosen or not: PCT and delay bounding count steps. */
    default void stepped() {}

    /** The owner of the item that runs at this step, chosen or not (partial-order reduction needs it). */
    default void ran(Object owner) {}

    /**
     * A {@link ModelChoices} point (a link fault, a timer's jitter): one of {@code options}, 0 being the
     * faithful behaviour. Called only with two or more options. By default never perturbs.
     */
    default int perturb(String what, int options) {
        return 0;
    }
}
