package tcpsim.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Schedule;

/**
 * Delta debugging over a violating schedule's choices, as DEMi (Scott et al., NSDI 2016) does for
 * Akka. A schedule is seen as the choices that differ from the default (index 0: the oldest ready
 * item); ddmin (Zeller and Hildebrandt, TSE 2002) looks for a smaller set of them whose run still
 * breaks the same invariant. Choice points are numbered across the whole stream a schedule records:
 * scheduling choices and the model's own (link faults, timer jitter) alike. A scheduling deviation
 * names the actor it ran, so where earlier deviations are dropped and the ready items come in
 * another order it still runs that actor if it is ready (else the item at the same index, or the
 * youngest); a perturbation keeps its option. The result is 1-minimal: dropping any one of its
 * deviations makes the violation go away.
 *
 * <p>Removing an early deviation shifts every later choice point, so ddmin over a long random
 * schedule can end on a 1-minimal set far larger than the shortest failing schedule. When the budget
 * allows (half of it, earliest choice points first), the schedules one deviation away from the default are
 * tried first: if none fails without deviations, one that fails with a single deviation is the shortest there is.
 */
public final class Minimiser {
    /**
     * A non-default choice: at the {@code at}-th choice point, item or option {@code pick}; for a
     * scheduling choice {@code owner} is the path of the actor that ran (null: by index only).
     */
    public record Deviation(int at, int pick, String owner) {
        public Deviation(int at, int pick) {
            this(at, pick, null);
        }
    }

    /** The smallest schedule found, with how many runs it took. */
    public record Result(Schedule schedule, ScheduleRunner.Violation violation, int deviations, int tests) {}

    private final ScheduleRunner runner;
    private final String invariant;
    private final int maxTests;
    private int tests;

    /** {@code runner} must check the invariant named {@code invariant} (it may check only that one). */
    public Minimiser(ScheduleRunner runner, String invariant, int maxTests) {
        this.runner = runner;
        this.invariant = invariant;
        this.maxTests = maxTests;
    }

    public static List<Deviation> deviations(Schedule s) {
        List<Deviation> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) if (s.pick(i) != 0) out.add(new Deviation(i, s.pick(i)));
        return out;
    }

    /** The chooser that makes exactly these deviations from the default. */
    public static Chooser applying(List<Deviation> devs) {
        Map<Integer, Deviation> at = new HashMap<>();
        for (Deviation d : devs) at.put(d.at(), d);
        int[] point = {0};
        return new Chooser() {
            @Override
            public int choose(List<Object> owners) {
                Deviation d = at.get(point[0]++);
                if (d == null) return 0;
                if (d.owner() != null) {
                    for (int i = 0; i < owners.size(); i++) {
                        if (d.owner().equals(ExploringStrategy.describe(owners.get(i)))) return i;
                    }
                }
                return Math.min(d.pick(), owners.size() - 1);
            }

            @Override
            public int perturb(String what, int options) {
                Deviation d = at.get(point[0]++);
                return d == null ? 0 : Math.min(d.pick(), options - 1);
            }
        };
    }

    /** The failing schedule's deviations, each scheduling one with the actor it ran (one replay). */
    private List<Deviation> deviationsWithOwners(Schedule failing) {
        List<Deviation> out = new ArrayList<>();
        Choosers.Replay replay = Choosers.replay(failing);
        int[] point = {0};
        tests++;
        runner.run(new Chooser() {
            @Override
            public int choose(List<Object> owners) {
                int i = replay.choose(owners), k = point[0]++;
                if (i != 0) out.add(new Deviation(k, i, ExploringStrategy.describe(owners.get(i))));
                return i;
            }

            @Override
            public int perturb(String what, int options) {
                int i = replay.perturb(what, options), k = point[0]++;
                if (i != 0) out.add(new Deviation(k, i));
                return i;
            }
        });
        return out;
    }

    public Result minimise(Schedule failing) {
        List<Deviation> c = deviationsWithOwners(failing);
        ScheduleRunner.Outcome best = test(List.of());
        if (best != null) return result(best);
        ScheduleRunner.Outcome fifo = runner.run(applying(List.of()));
        Schedule base = fifo.schedule();
        for (int i = 0; i < base.size() && tests < maxTests / 2; i++) {
            for (int p = 1; p < base.options(i) && tests < maxTests / 2; p++) {
                ScheduleRunner.Outcome o = test(List.of(new Deviation(i, p)));
                if (o != null) return result(o);
            }
        }
        best = test(c);
        if (best == null) {
            // not reproducible as deviations (cannot happen for a deterministic model): keep it as it is
            ScheduleRunner.Outcome o = runner.run(Choosers.replay(failing));
            return new Result(failing, o.violation(), c.size(), tests);
        }
        int n = 2;
        while (c.size() >= 2 && tests < maxTests) {
            List<List<Deviation>> chunks = split(c, n);
            boolean reduced = false;
            for (List<Deviation> chunk : chunks) {
                ScheduleRunner.Outcome o = test(chunk);
                if (o != null) {
                    c = chunk;
                    best = o;
                    n = 2;
                    reduced = true;
                    break;
                }
            }
            if (!reduced && n > 2) {
                for (List<Deviation> chunk : chunks) {
                    List<Deviation> rest = new ArrayList<>(c);
                    rest.removeAll(chunk);
                    ScheduleRunner.Outcome o = test(rest);
                    if (o != null) {
                        c = rest;
                        best = o;
                        n = Math.max(n - 1, 2);
                        reduced = true;
                        break;
                    }
                }
            }
            if (!reduced) {
                if (n >= c.size()) break;
                n = Math.min(c.size(), 2 * n);
            }
        }
        return result(best);
    }

    private Result result(ScheduleRunner.Outcome o) {
        return new Result(o.schedule(), o.violation(), deviations(o.schedule()).size(), tests);
    }

    /** The run with these deviations, if it breaks the invariant; else null. */
    private ScheduleRunner.Outcome test(List<Deviation> devs) {
        tests++;
        ScheduleRunner.Outcome o = runner.run(applying(devs));
        return o.violation() != null && o.violation().invariant().name().equals(invariant) ? o : null;
    }

    private static List<List<Deviation>> split(List<Deviation> c, int n) {
        List<List<Deviation>> out = new ArrayList<>(n);
        int size = c.size();
        for (int i = 0; i < n; i++) {
            int from = i * size / n, to = (i + 1) * size / n;
            if (from < to) out.add(List.copyOf(c.subList(from, to)));
        }
        return out;
    }
}
