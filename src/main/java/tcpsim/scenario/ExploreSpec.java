package tcpsim.scenario;

import java.util.List;

/**
 * A scenario's {@code explore { ... }} block: the bounds within which the explorer may perturb a run,
 * and the invariants it checks.
 *
 * @param timerJitterNanos a timer may fire up to this much early or late (0: on time)
 * @param drops            at most this many segments dropped per run
 * @param duplicates       at most this many segments duplicated per run
 * @param delayNanos       a segment may be held up to this much longer than the link's delay (0: never)
 * @param invariants       the invariants to check, by name; empty means every built-in one
 */
public record ExploreSpec(long timerJitterNanos, int drops, int duplicates, long delayNanos, List<String> invariants) {
    public static final ExploreSpec NONE = new ExploreSpec(0, 0, 0, 0, List.of());

    public ExploreSpec {
        invariants = List.copyOf(invariants);
    }

    /** May the explorer choose any link fault at all? */
    public boolean faults() {
        return drops > 0 || duplicates > 0 || delayNanos > 0;
    }
}
