package tcpsim.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run's applications saw: every connect() and accept() outcome, with virtual times. Shared by
 * the apps of one run (synchronized: wild mode runs them on several threads) and read by the report.
 */
public final class RunStats {
    /** One connection attempt as its client saw it. */
    public record Conn(String app, int index, long startNanos, long endNanos, String result) {}

    /** Keep every outcome up to this many; beyond it only the counts. */
    public static final int DETAIL_LIMIT = 10_000;

    private final List<Conn> conns = new ArrayList<>();
    private final Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    private int appsRunning;
    private volatile boolean done;

    public synchronized void appStarted() {
        appsRunning++;
        done = false;
    }

    public synchronized void appFinished() {
        if (--appsRunning == 0) done = true;
    }

    /** True once every app that needs to finish has (servers accepting "all" never count). */
    public boolean done() {
        return done;
    }

    public synchronized void outcome(String app, int index, long startNanos, long endNanos, String result) {
        counts.computeIfAbsent(app, k -> new LinkedHashMap<>()).merge(result, 1L, Long::sum);
        if (conns.size() < DETAIL_LIMIT) conns.add(new Conn(app, index, startNanos, endNanos, result));
    }

    public synchronized List<Conn> conns() {
        return List.copyOf(conns);
    }

    /** app -> (result -> count), in first-seen order. */
    public synchronized Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> copy = new LinkedHashMap<>();
        counts.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
        return copy;
    }

    public synchronized long count(String app, String result) {
        Map<String, Long> m = counts.get(app);
        return m == null ? 0 : m.getOrDefault(result, 0L);
    }
}
