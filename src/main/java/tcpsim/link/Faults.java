package tcpsim.link;

import tcpsim.runtime.ModelChoices;

/**
 * A run's link-fault budget, shared by all its links, and the explorer that spends it: for each
 * segment a link offers "no fault", a drop and a duplicate while the run has them left, and delays of
 * a quarter, a half, three quarters and all of the bound (a delayed segment is overtaken by later
 * ones: reordering). With no budget left, or outside exploration, a segment is no choice point at all.
 * Driver thread only (deterministic mode).
 */
public final class Faults {
    /** What happens to one segment. {@code extraNanos} is the added delay of a DELAY. */
    public record Fault(Kind kind, long extraNanos) {
        /** As the trace names it: drop, duplicate, delay+Nns. */
        String describe() {
            return kind == Kind.DELAY ? "delay+" + extraNanos + "ns" : kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public enum Kind { NONE, DROP, DUPLICATE, DELAY }

    /** Delay steps offered: bound × k / DELAY_STEPS for k = 1..DELAY_STEPS. */
    public static final int DELAY_STEPS = 4;

    /** The name of the choice, as the chooser sees it. */
    public static final String WHAT = "link-fault";

    private static final Fault NO_FAULT = new Fault(Kind.NONE, 0);
    private static final Fault DROP = new Fault(Kind.DROP, 0);
    private static final Fault DUPLICATE = new Fault(Kind.DUPLICATE, 0);

    /** No faults: the faithful links. */
    public static final Faults NONE = new Faults(ModelChoices.NONE, 0, 0, 0);

    private final ModelChoices choices;
    private int dropsLeft;
    private int duplicatesLeft;
    private final long delayNanos;

    public Faults(ModelChoices choices, int drops, int duplicates, long delayNanos) {
        this.choices = choices;
        this.dropsLeft = drops;
        this.duplicatesLeft = duplicates;
        this.delayNanos = delayNanos;
    }

    /** May any segment be faulted in this run? (Then every link needs an actor, for delays.) */
    public boolean any() {
        return choices != ModelChoices.NONE && (dropsLeft > 0 || duplicatesLeft > 0 || delayNanos > 0);
    }

    /** The fault for the next segment a link carries: option 0 is none; the others as the class says. */
    public Fault next() {
        if (!any()) return NO_FAULT;
        int drop = dropsLeft > 0 ? 1 : 0, dup = duplicatesLeft > 0 ? 1 : 0, delays = delayNanos > 0 ? DELAY_STEPS : 0;
        int options = 1 + drop + dup + delays;
        if (options == 1) return NO_FAULT;
        int i = choices.choose(WHAT, options);
        if (i == 0) return NO_FAULT;
        if (i <= drop) {
            dropsLeft--;
            return DROP;
        }
        if (i <= drop + dup) {
            duplicatesLeft--;
            return DUPLICATE;
        }
        int k = i - drop - dup;
        return new Fault(Kind.DELAY, delayNanos * k / DELAY_STEPS);
    }

    public int dropsLeft() {
        return dropsLeft;
    }

    public int duplicatesLeft() {
        return duplicatesLeft;
    }
}
