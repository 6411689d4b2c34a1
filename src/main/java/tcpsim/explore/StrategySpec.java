package tcpsim.explore;

import java.util.LinkedHashMap;
import java.util.Map;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Choosers;

/**
 * A search strategy and its parameters. Schedule {@code i} of a search gets the chooser seeded from the
 * base seed and {@code i} alone, so the same scenario, seed and strategy give the same schedules on
 * any number of threads or shards.
 *
 * @param name  random, pct or delay-bounded
 * @param depth PCT's bug depth d, delay-bounded's number of delays, or exhaustive's bound: the choice
 *              points explored per run (past them the oldest ready item runs)
 */
public record StrategySpec(String name, int depth) {
    /** The names a user may give. */
    public static final String NAMES = "random, pct, delay-bounded, exhaustive";

    public StrategySpec {
        switch (name) {
            case "random", "pct", "delay-bounded", "exhaustive" -> {}
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "' (expected " + NAMES + ")");
        }
        if (depth < 0) throw new IllegalArgumentException("depth must be at least 0, got " + depth);
        if (name.equals("pct") && depth < 1) throw new IllegalArgumentException("pct needs a depth of at least 1, got " + depth);
        if (name.equals("exhaustive") && depth < 1) {
            throw new IllegalArgumentException("exhaustive needs a bound of at least 1 choice point, got " + depth);
        }
    }

    /**
     * Source-DPOR with sleep sets ({@link tcpsim.runtime.Exhaustive}), {@code bound} choice points per
     * run. One search, in order: no threads, shards or resume.
     */
    public static StrategySpec exhaustive(int bound) {
        return new StrategySpec("exhaustive", bound);
    }

    boolean exhaustive() {
        return name.equals("exhaustive");
    }

    public static StrategySpec random() {
        return new StrategySpec("random", 0);
    }

    public static StrategySpec pct(int depth) {
        return new StrategySpec("pct", depth);
    }

    public static StrategySpec delayBounded(int delays) {
        return new StrategySpec("delay-bounded", delays);
    }

    /** Does the chooser need the length of a run (its step count k)? */
    boolean needsSteps() {
        return name.equals("pct") || name.equals("delay-bounded");
    }

    /** Schedule {@code index}'s chooser; {@code steps} is a fifo run's step count. */
    Chooser chooser(long seed, long index, int steps) {
        long s = mix(seed, index);
        return switch (name) {
            case "pct" -> Choosers.pct(s, depth, steps);
            case "delay-bounded" -> Choosers.delayBounded(s, depth, steps);
            default -> Choosers.random(s);
        };
    }

    /** SplitMix64 over the pair: neighbouring indices get unrelated seeds. */
    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public String describe() {
        return switch (name) {
            case "pct" -> "pct(depth=" + depth + ")";
            case "delay-bounded" -> "delay-bounded(delays=" + depth + ")";
            case "exhaustive" -> "exhaustive(bound=" + depth + " choice points, source-DPOR + sleep sets)";
            default -> "random";
        };
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        switch (name) {
            case "pct" -> m.put("depth", depth);
            case "delay-bounded" -> m.put("delays", depth);
            case "exhaustive" -> m.put("bound", depth);
            default -> { }
        }
        return m;
    }
}
