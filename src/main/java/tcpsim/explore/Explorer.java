package tcpsim.explore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import tcpsim.Version;
import tcpsim.net.Inject;
import tcpsim.runtime.Schedule;
import tcpsim.scenario.Scenario;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.Topology;

/**
 * Runs many schedules of one scenario and checks invariants on each. Schedule {@code i} is the
 * strategy's chooser seeded from (seed, i): the same scenario, seed and strategy give the same
 * schedules, on any number of threads and shards. Each thread drives its own deterministic
 * Simulation, reused across its schedules. A violation is saved as a replay file the moment it is
 * found, then minimised (the first of each invariant) and saved again.
 *
 * <pre>{@code
 * Explorer.Result r = Explorer.builder(ScenarioLoader.load(path)).strategy(StrategySpec.pct(3)).schedules(10_000).run();
 * r.violations().forEach(v -> System.out.println(v.invariant() + " " + v.replayFile()));
 * }</pre>
 */
public final class Explorer {
    /** A violation found: where its replay file is, and how far it was minimised. */
    public record Found(String invariant, String message, long scheduleIndex, Path replayFile, int choices,
                        int deviations, int originalDeviations) {
        /** As the JSON summary and the resumable state write it. */
        public Map<String, Object> json() {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("invariant", invariant);
            fm.put("message", message);
            fm.put("schedule_index", scheduleIndex);
            fm.put("replay_file", replayFile.toString());
            fm.put("choices", choices);
            fm.put("deviations", deviations);
            fm.put("original_deviations", originalDeviations);
            return fm;
        }
    }

    /** A search's figures. */
    public record Result(StrategySpec strategy, long seed, long schedules, long distinct, long endStates,
                         Map<String, Long> checks, List<Found> violations, double wallSeconds, String stopped,
                         long[] scheduleHashes, long[] endStateHashes, int shard, int shards, String coverage) {
        public double schedulesPerSecond() {
            return wallSeconds > 0 ? schedules / wallSeconds : 0;
        }

        public boolean ok() {
            return violations.isEmpty();
        }
    }

    /** Figures while a search runs, for a progress display (called from the thread that called run()). */
    public record Snapshot(long schedules, long target, long distinct, int violations, double wallSeconds) {}

    @FunctionalInterface
    public interface Progress {
        void at(Snapshot s);

        Progress NONE = s -> {};
    }

    public static Builder builder(Scenario s) {
        String text;
        try {
            text = s.source() != null && Files.isReadable(s.source()) ? Files.readString(s.source()) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Builder(ScenarioTopology.from(s), s.seed(), s.untilNanos())
            .invariants(Invariants.named(s.explore().invariants()))
            .scenario(s.source() == null ? null : s.source().toString(), text);
    }

    public static Builder builder(Topology topo, long seed, long untilNanos) {
        return new Builder(topo, seed, untilNanos);
    }

    public static final class Builder {
        private Topology topo;
        private long seed;
        private final long untilNanos;
        private String scenarioPath, scenarioText;
        private StrategySpec strategy = StrategySpec.random();
        private long schedules = 1000;
        private Duration budget;
        private boolean keepGoing;
        private int threads = 1;
        private int shard = 0, shards = 1;
        private Path outDir = Path.of("explore-out");
        private Path stateDir;
        private List<Invariant> invariants = Invariants.all();
        private boolean minimise = true;
        private int minimiseTests = 2000;
        private Progress progress = Progress.NONE;

        Builder(Topology topo, long seed, long untilNanos) {
            this.topo = topo;
            this.seed = seed;
            this.untilNanos = untilNanos;
        }

        Builder scenario(String path, String text) {
            this.scenarioPath = path;
            this.scenarioText = text;
            return this;
        }

        public Builder strategy(StrategySpec s) { this.strategy = s; return this; }
        public Builder schedules(long n) { this.schedules = n; return this; }
        /** Wall-clock budget: no new schedule starts after it (schedules themselves never see the clock). */
        public Builder budget(Duration d) { this.budget = d; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        public Builder keepGoing(boolean k) { this.keepGoing = k; return this; }
        public Builder threads(int n) { this.threads = Math.max(1, n); return this; }
        /** Run only schedule indices i with i % shards == shard (0-based). */
        public Builder shard(int shard, int shards) { this.shard = shard; this.shards = shards; return this; }
        /** Where replay files go (default explore-out; with a state directory, its violations/). */
        public Builder outDir(Path d) { this.outDir = d; return this; }
        /** Keep resumable state here, and continue from what is there. */
        public Builder stateDir(Path d) { this.stateDir = d; return this; }
        public Builder invariants(List<Invariant> i) { this.invariants = List.copyOf(i); return this; }
        public Builder addInvariant(Invariant i) {
            List<Invariant> l = new ArrayList<>(invariants);
            l.add(i);
            this.invariants = List.copyOf(l);
            return this;
        }
        /** Adds switches to those the topology already has. */
        public Builder inject(Set<Inject> more) {
            Set<Inject> all = new LinkedHashSet<>(topo.inject());
            all.addAll(more);
            this.topo = topo.withInject(all);
            return this;
        }
        public Builder minimise(boolean m) { this.minimise = m; return this; }
        public Builder minimiseTests(int n) { this.minimiseTests = n; return this; }
        public Builder progress(Progress p) { this.progress = p; return this; }

        public Explorer build() {
            return new Explorer(this);
        }

        public Result run() {
            return build().run();
        }
    }

    private final Builder b;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Object lock = new Object();
    // under lock:
    private final BitSet done = new BitSet();
    private long schedulesRun;
    private final HashSet<Long> scheduleHashes = new HashSet<>();
    private final HashSet<Long> endStates = new HashSet<>();
    private final long[] checks;
    private final List<Found> found = new ArrayList<>();
    private final Set<String> minimisedInvariants = new HashSet<>();
    private long previousWallNanos;
    private String stopped = "schedules";
    private RuntimeException failure;

    private Explorer(Builder b) {
        if (b.shards < 1 || b.shard < 0 || b.shard >= b.shards) {
            throw new IllegalArgumentException("shard " + b.shard + "/" + b.shards + ": expected 0 <= i < n");
        }
        if (b.strategy.exhaustive() && (b.threads > 1 || b.shards > 1 || b.stateDir != null)) {
            throw new IllegalArgumentException("exhaustive is one search, run in order: no --threads, --shard or --resume");
        }
        this.b = b;
        this.checks = new long[b.invariants.size()];
    }

    /** Ask a running search to stop after the schedules in progress (Ctrl-C, SIGTERM); state is kept. */
    public void stop() {
        synchronized (lock) {
            stopped = "interrupted";
        }
        stop.set(true);
    }

    private Path violationDir() {
        return b.stateDir != null ? b.stateDir.resolve("violations") : b.outDir;
    }

    public Result run() {
        if (b.stateDir != null) loadState();
        if (!b.keepGoing && !found.isEmpty()) {
            stopped = "violation"; // the state resumed from had already found one
            stop.set(true);
        }
        long wall0 = System.nanoTime(); // reporting, budget and progress only
        long deadline = b.budget == null ? Long.MAX_VALUE : wall0 + b.budget.toNanos();
        List<Long> indices = new ArrayList<>();
        for (long i = b.shard; i < b.schedules; i += b.shards) if (!done.get((int) i)) indices.add(i);
        AtomicInteger cursor = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < b.threads; t++) {
            Thread w = new Thread(() -> work(indices, cursor, deadline), "explore-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        long lastSave = System.nanoTime();
        for (Thread w : workers) {
            while (w.isAlive()) {
                try {
                    w.join(200);
                } catch (InterruptedException e) {
                    stop();
                }
                b.progress.at(snapshot(wall0));
                if (b.stateDir != null && System.nanoTime() - lastSave > 2_000_000_000L) {
                    saveState(System.nanoTime() - wall0);
                    lastSave = System.nanoTime();
                }
            }
        }
        if (failure != null) throw failure;
        long wall = System.nanoTime() - wall0;
        if (b.stateDir != null) saveState(wall);
        b.progress.at(snapshot(wall0));
        synchronized (lock) {
            if (System.nanoTime() > deadline && schedulesRun < indices.size() && stopped.equals("schedules")) stopped = "budget";
            List<Found> v = new ArrayList<>(found);
            v.sort(Comparator.comparingLong(Found::scheduleIndex));
            Map<String, Long> c = new LinkedHashMap<>();
            for (int i = 0; i < checks.length; i++) c.put(b.invariants.get(i).name(), checks[i]);
            return new Result(b.strategy, b.seed, schedulesRun, scheduleHashes.size(), endStates.size(), c, v,
                (previousWallNanos + wall) / 1e9, stopped, toArray(scheduleHashes), toArray(endStates), b.shard, b.shards,
                coverage);
        }
    }

    private Snapshot snapshot(long wall0) {
        synchronized (lock) {
            long target = (b.schedules - b.shard + b.shards - 1) / b.shards;
            return new Snapshot(schedulesRun, target, scheduleHashes.size(), found.size(),
                (previousWallNanos + System.nanoTime() - wall0) / 1e9);
        }
    }

    /** Exhaustive's figures once its search ends: "complete: all N classes explored (...)" or why not. */
    private String coverage;

    private void work(List<Long> indices, AtomicInteger cursor, long deadline) {
        if (b.strategy.exhaustive()) {
            exhaustive(deadline);
            return;
        }
        try (ScheduleRunner runner = new ScheduleRunner(b.topo, b.seed, b.untilNanos, b.invariants)) {
            int steps = b.strategy.needsSteps() ? runner.fifoSteps() : 0;
            java.util.Arrays.fill(runner.checks, 0); // the estimate is not one of the search's schedules
            while (!stop.get()) {
                int k = cursor.getAndIncrement();
                if (k >= indices.size() || System.nanoTime() > deadline) break;
                long index = indices.get(k);
                ScheduleRunner.Outcome o = runner.run(b.strategy.chooser(b.seed, index, steps));
                synchronized (lock) {
                    for (int i = 0; i < checks.length; i++) checks[i] += runner.checks[i];
                    java.util.Arrays.fill(runner.checks, 0);
                    schedulesRun++;
                    done.set((int) index);
                    scheduleHashes.add(o.schedule().hash());
                    endStates.add(o.endState());
                }
                if (o.violation() != null) violation(runner, index, o);
            }
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            stop.set(true);
        }
    }

    /**
     * The exhaustive search: run k is the k-th class source-DPOR chooses, up to the schedule budget;
     * the search ends complete when no class is left within the bound.
     */
    private void exhaustive(long deadline) {
        tcpsim.runtime.Exhaustive search = new tcpsim.runtime.Exhaustive(b.strategy.depth(),
            tcpsim.runtime.Exhaustive.modelDependence());
        try (ScheduleRunner runner = new ScheduleRunner(b.topo, b.seed, b.untilNanos, b.invariants)) {
            long index = 0;
            while (!stop.get() && index < b.schedules && System.nanoTime() <= deadline) {
                tcpsim.runtime.Chooser c = search.next();
                if (c == null) break;
                ScheduleRunner.Outcome o = runner.run(c);
                search.finished();
                synchronized (lock) {
                    for (int i = 0; i < checks.length; i++) checks[i] += runner.checks[i];
                    java.util.Arrays.fill(runner.checks, 0);
                    schedulesRun++;
                    scheduleHashes.add(o.schedule().hash());
                    endStates.add(o.endState());
                }
                if (o.violation() != null) violation(runner, index, o);
                index++;
            }
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            stop.set(true);
        }
        synchronized (lock) {
            coverage = search.summary();
        }
    }

    private void violation(ScheduleRunner runner, long index, ScheduleRunner.Outcome o) {
        Invariant inv = o.violation().invariant();
        boolean first;
        synchronized (lock) {
            if (!b.keepGoing && stop.get()) return; // another thread's violation ended the search first
            if (!b.keepGoing) {
                stop.set(true);
                stopped = "violation";
            }
            first = minimisedInvariants.add(inv.name());
        }
        Path file = violationDir().resolve("violation-" + inv.name() + "-" + index + ".json");
        String original = o.schedule().encode();
        int originalDevs = Minimiser.deviations(o.schedule()).size();
        ReplayFile raw = replayFile(index, o.violation(), original, original, originalDevs, originalDevs, false);
        write(raw, file);
        Found f = new Found(inv.name(), o.violation().message(), index, file, o.schedule().size(), originalDevs, originalDevs);
        if (b.minimise && first) {
            Minimiser.Result m = new Minimiser(runner.only(inv), inv.name(), b.minimiseTests).minimise(o.schedule());
            ScheduleRunner.Violation mv = m.violation();
            write(replayFile(index, mv, m.schedule().encode(), original, m.deviations(), originalDevs, true), file);
            f = new Found(inv.name(), mv.message(), index, file, m.schedule().size(), m.deviations(), originalDevs);
        }
        synchronized (lock) {
            found.add(f);
        }
    }

    private ReplayFile replayFile(long index, ScheduleRunner.Violation v, String choices, String original, int devs,
                                  int originalDevs, boolean minimised) {
        String text = b.scenarioText;
        return new ReplayFile(Version.VERSION, b.scenarioPath, text, text == null ? null : ReplayFile.sha256(text), b.seed,
            b.topo.inject().stream().map(i -> i.key).sorted().toList(), b.strategy.json(), index, v.invariant().name(),
            v.message(), v.step(), v.virtualNanos(), choices, original, devs, originalDevs, minimised);
    }

    private static void write(ReplayFile r, Path file) {
        try {
            r.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long[] toArray(Set<Long> s) {
        return s.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    // ---- resumable state ----

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What identifies a search: a state directory is only resumed by the same one. */
    private Map<String, Object> identity() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario_sha256", b.scenarioText == null ? null : ReplayFile.sha256(b.scenarioText));
        m.put("seed", b.seed);
        m.put("strategy", b.strategy.json());
        m.put("inject", b.topo.inject().stream().map(i -> i.key).sorted().toList());
        m.put("invariants", b.invariants.stream().map(Invariant::name).toList());
        m.put("shard", b.shard + "/" + b.shards);
        return m;
    }

    private void saveState(long wallNanos) {
        Map<String, Object> m;
        synchronized (lock) {
            m = new LinkedHashMap<>();
            m.put("search", identity());
            m.put("schedules_run", schedulesRun);
            m.put("wall_nanos", previousWallNanos + wallNanos);
            m.put("done", Base64.getEncoder().encodeToString(done.toByteArray()));
            m.put("schedule_hashes", toArray(scheduleHashes));
            m.put("end_state_hashes", toArray(endStates));
            Map<String, Long> c = new LinkedHashMap<>();
            for (int i = 0; i < checks.length; i++) c.put(b.invariants.get(i).name(), checks[i]);
            m.put("checks", c);
            List<Map<String, Object>> v = new ArrayList<>();
            for (Found f : found) v.add(f.json());
            m.put("violations", v);
        }
        try {
            Files.createDirectories(b.stateDir);
            Path tmp = b.stateDir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), m);
            Files.move(tmp, b.stateDir.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Continue from a state directory: its schedules are not run again, its figures carry on, and every
     * violation file found there counts (kill -9 may have come after a violation and before a save).
     */
    private void loadState() {
        Path state = b.stateDir.resolve("state.json");
        try {
            if (Files.exists(state)) {
                JsonNode n = JSON.readTree(state.toFile());
                if (!JSON.readTree(JSON.writeValueAsString(identity())).toString().equals(n.get("search").toString())) {
                    throw new IllegalArgumentException(b.stateDir + " holds another search's state (scenario, seed, strategy, switches, invariants or shard differ)");
                }
                done.or(BitSet.valueOf(Base64.getDecoder().decode(n.get("done").asText())));
                schedulesRun = n.get("schedules_run").asLong();
                previousWallNanos = n.get("wall_nanos").asLong();
                for (JsonNode h : n.get("schedule_hashes")) scheduleHashes.add(h.asLong());
                for (JsonNode h : n.get("end_state_hashes")) endStates.add(h.asLong());
                for (int i = 0; i < checks.length; i++) checks[i] = n.get("checks").path(b.invariants.get(i).name()).asLong();
            }
            Path vdir = violationDir();
            if (Files.isDirectory(vdir)) {
                try (var files = Files.list(vdir)) {
                    for (Path p : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                        ReplayFile r = ReplayFile.read(p);
                        if (r.scheduleIndex() >= 0) done.set((int) r.scheduleIndex());
                        found.add(new Found(r.invariant(), r.message(), r.scheduleIndex(), p,
                            Schedule.decode(r.choices()).size(), r.deviations(), r.originalDeviations()));
                        minimisedInvariants.add(r.invariant());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
