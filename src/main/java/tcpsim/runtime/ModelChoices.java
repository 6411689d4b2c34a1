package tcpsim.runtime;

/**
 * A choice the model itself offers an explorer, beside the scheduling points: whether a link drops,
 * duplicates or delays a segment, and how early or late a timer fires, within the bounds of the
 * scenario's {@code explore} block. Option 0 is always what the faithful model does (no fault, on
 * time). Asked on the driver thread only; an {@link ExploringStrategy} records every answer in the
 * same {@link Schedule} as its scheduling choices, so a replay reproduces the faults too.
 */
@FunctionalInterface
public interface ModelChoices {
    /** One of {@code options} (0 ≤ answer < options); {@code what} names the choice for the chooser. */
    int choose(String what, int options);

    /** Outside exploration: always the faithful option, and the model offers no choice points at all. */
    ModelChoices NONE = (what, options) -> 0;
}
