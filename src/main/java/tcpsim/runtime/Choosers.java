package tcpsim.runtime;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;

/** The search strategies' choosers. Each is seeded (java.util.Random: the same seed, the same choices on every JVM). */
public final class Choosers {
    private Choosers() {}

    /**
     * At a {@link ModelChoices} point (a link fault, a timer's jitter) the random choosers take the
     * faithful option 0 with probability 1 − 1/PERTURB_ODDS, else one of the others uniformly. So a
     * run's fault budget (which the model enforces: a link offers no fault once it is spent) is spread
     * over the run instead of going to its first segments, and a run with a handful of segments still
     * sees a fault in about one of {@code PERTURB_ODDS} of them.
     */
    public static final int PERTURB_ODDS = 4;

    static int perturb(Random r, int options) {
        return r.nextInt(PERTURB_ODDS) != 0 ? 0 : 1 + r.nextInt(options - 1);
    }

    /** A random walk: uniform among the ready items; perturbations as {@link #PERTURB_ODDS} says. */
    public static Chooser random(long seed) {
        Random r = new Random(seed);
        return new Chooser() {
            @Override
            public int choose(List<Object> owners) {
                return r.nextInt(owners.size());
            }

            @Override
            public int perturb(String what, int options) {
                return Choosers.perturb(r, options);
            }
        };
    }

    /**
     * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010) with bug depth {@code depth}: each
     * actor gets a random priority above {@code depth} when first seen; the highest-priority ready
     * item runs; at {@code depth - 1} change points, drawn uniformly from the first {@code steps}
     * steps, the actor that runs gets priority i (1 ≤ i < depth), below every initial one. For n
     * actors and k steps, a depth-d bug is found with probability at least 1/(n·k^(d−1)) per run.
     */
    public static Chooser pct(long seed, int depth, int steps) {
        return new Pct(seed, depth, steps);
    }

    /**
     * Delay-bounded scheduling (Emmi, Qadeer, Rakamarić, POPL 2011) over the FIFO scheduler: the
     * oldest ready item runs, except at up to {@code delays} delay points, drawn uniformly from the
     * first {@code steps} steps, where it is passed over once (the next one runs).
     */
    public static Chooser delayBounded(long seed, int delays, int steps) {
        return new DelayBounded(seed, delays, steps);
    }

    /** The recorded choices again; see {@link Replay#diverged()}. */
    public static Replay replay(Schedule schedule) {
        return new Replay(schedule);
    }

    static final class Pct implements Chooser {
        private final Random random;
        private final int depth;
        private final int[] changeAt;
        private final IdentityHashMap<Object, Double> priority = new IdentityHashMap<>();
        private int step;
        private int changes;

        Pct(long seed, int depth, int steps) {
            if (depth < 1) throw new IllegalArgumentException("PCT depth must be at least 1, got " + depth);
            this.random = new Random(seed);
            this.depth = depth;
            this.changeAt = new int[depth - 1];
            for (int i = 0; i < changeAt.length; i++) changeAt[i] = 1 + random.nextInt(Math.max(1, steps));
            java.util.Arrays.sort(changeAt);
        }

        private double priorityOf(Object owner) {
            return priority.computeIfAbsent(owner, o -> depth + random.nextDouble() * 1e6);
        }

        @Override
        public int choose(List<Object> owners) {
            int best = 0;
            double top = priorityOf(owners.get(0));
            for (int i = 1; i < owners.size(); i++) {
                double p = priorityOf(owners.get(i));
                if (p > top) {
                    top = p;
                    best = i;
                }
            }
            // a change point at this step: the chosen actor drops below every initial priority
            while (changes < changeAt.length && changeAt[changes] <= step) {
                priority.put(owners.get(best), (double) (depth - 1 - changes));
                changes++;
            }
            return best;
        }

        /** Faults and jitter are not priorities: drawn as the random walk draws them, from this seed. */
        @Override
        public int perturb(String what, int options) {
            return Choosers.perturb(random, options);
        }

        @Override
        public void stepped() {
            step++;
        }
    }

    /** Delay bounding counts scheduling deviations only: it never perturbs the model (the default). */
    static final class DelayBounded implements Chooser {
        private final boolean[] delayAt;
        private int step;

        DelayBounded(long seed, int delays, int steps) {
            Random random = new Random(seed);
            this.delayAt = new boolean[Math.max(1, steps) + 1];
            for (int i = 0; i < delays; i++) delayAt[1 + random.nextInt(Math.max(1, steps))] = true;
        }

        @Override
        public int choose(List<Object> owners) {
            return step < delayAt.length && delayAt[step] ? 1 : 0;
        }

        @Override
        public void stepped() {
            step++;
        }
    }

    /**
     * Plays a schedule back. A point whose number of ready items differs from the recording means the
     * model is no longer the one that wrote it: the run goes on (the same index, clamped) and
     * {@link #diverged()} says so. Past the recording, the oldest item runs and nothing is perturbed.
     */
    public static final class Replay implements Chooser {
        private final Schedule schedule;
        private int next;
        private int divergedAt = -1;

        Replay(Schedule schedule) {
            this.schedule = schedule;
        }

        @Override
        public int choose(List<Object> owners) {
            return next(owners.size());
        }

        /** A recorded fault or jitter is a choice like any other, in its place in the schedule. */
        @Override
        public int perturb(String what, int options) {
            return next(options);
        }

        private int next(int n) {
            if (next >= schedule.size()) {
                next++;
                return 0;
            }
            int i = next++;
            if (schedule.options(i) != n && divergedAt < 0) divergedAt = i;
            return Math.min(schedule.pick(i), n - 1);
        }

        /** The first choice whose ready count differed from the recording, or -1. */
        public int divergedAt() {
            return divergedAt;
        }

        public boolean diverged() {
            return divergedAt >= 0;
        }

        /** Choices asked for: more or fewer than recorded also means the model changed. */
        public int used() {
            return next;
        }
    }
}
