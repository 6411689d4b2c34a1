package tcpsim.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Schedule;

/**
 * Delta debugging over a violating schedule's choices, as DEMi (Scott et al., NSDI 2016) does for
 * Akka. A schedule is seen as the choices that differ from the default (index 0: the oldest ready
 * item); ddmin (Zeller and Hildebrandt, TSE 2002) looks for a smaller set of them whose run still
 * breaks the same invariant. A deviation is applied at the same choice point by number; where fewer
 * items are ready than it picked, the youngest runs. The result is 1-minimal: dropping any one of
 * its deviations makes the violation go away.
 *
 * <p>Removing an early deviation shifts every later choice point, so ddmin over a long random
 * schedule can end on a 1-minimal set far larger than the shortest failing schedule. When the budget
 * allows (half of it, earliest choice points first), the schedules one deviation away from the default are
 * tried first: if none fails without deviations, one that fails with a single deviation is the shortest there is.
 */
public final class Minimiser {
    /** A non-default choice: at the {@code at}-th choice point, item {@code pick} ran. */
    public record Deviation(int at, int pick) {}

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
        Map<Integer, Integer> at = new HashMap<>();
        for (Deviation d : devs) at.put(d.at(), d.pick());
        int[] point = {0};
        return owners -> {
            Integer p = at.get(point[0]++);
            return p == null ? 0 : Math.min(p, owners.size() - 1);
        };
    }

    public Result minimise(Schedule failing) {
        List<Deviation> c = deviations(failing);
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
            ScheduleRunner.Outcome o = runner.run(tcpsim.runtime.Choosers.replay(failing));
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
