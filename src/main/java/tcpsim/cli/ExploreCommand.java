package tcpsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tcpsim.explore.Explorer;
import tcpsim.explore.Invariant;
import tcpsim.explore.Invariants;
import tcpsim.explore.StrategySpec;
import tcpsim.net.Inject;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioException;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.ScenarioTopology;

/** tcpsim explore SCENARIO.conf: run many schedules of a scenario and check its invariants. */
@Command(name = "explore", mixinStandardHelpOptions = true,
    description = "Run many schedules (interleavings) of a scenario, check invariants on each, and save a minimised "
        + "replay file for every violation. Exit 0: none found; 1: a violation; 2: bad input.")
public final class ExploreCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SCENARIO.conf", arity = "0..1", description = "the scenario file")
    Path scenario;

    @Option(names = "--strategy", defaultValue = "random", description = "random (default), pct, delay-bounded or exhaustive")
    String strategy;

    @Option(names = "--depth", description = "pct: bug depth d (default 3); delay-bounded: number of delays (default 2); "
        + "exhaustive: choice points explored per run (default 20)")
    Integer depth;

    @Option(names = "--schedules", defaultValue = "1000", description = "schedules to run (default 1000); a shard runs its slice of them")
    long schedules;

    @Option(names = "--time", paramLabel = "BUDGET", description = "wall-clock budget, e.g. 30s, 5m: no schedule starts after it")
    String time;

    @Option(names = "--seed", description = "seed of the model and the search (default: the scenario's)")
    Long seed;

    @Option(names = "--keep-going", description = "go on after a violation (the first of each invariant is minimised)")
    boolean keepGoing;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON")
    Path json;

    @Option(names = "--inject", paramLabel = "NAME", description = "add a race-injection switch to the scenario's model.inject (repeatable)")
    List<String> inject = new ArrayList<>();

    @Option(names = "--list-inject", description = "print one line per race-injection switch: its name and its race scenario")
    boolean listInject;

    @Option(names = "--threads", defaultValue = "1", description = "threads, each running independent schedules on its own simulation")
    int threads;

    @Option(names = "--shard", paramLabel = "i/n", description = "run only the i-th (0-based) of n disjoint slices of the schedules")
    String shard;

    @Option(names = "--resume", paramLabel = "DIR", description = "keep resumable state in DIR and continue from it; violations go to DIR/violations")
    Path resume;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "explore-out", description = "where replay files go (default explore-out)")
    Path out;

    private static int bad(String what) {
        System.err.println("tcpsim explore: " + what);
        return 2;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (listInject) {
            for (Inject i : Inject.values()) System.out.println(i.key + " " + i.scenario);
            return 0;
        }
        if (scenario == null) return bad("missing SCENARIO.conf (or --list-inject)");
        StrategySpec spec;
        try {
            int d = depth != null ? depth : switch (strategy) {
                case "pct" -> 3;
                case "delay-bounded" -> 2;
                case "exhaustive" -> 20;
                default -> 0;
            };
            spec = new StrategySpec(strategy, d);
        } catch (IllegalArgumentException e) {
            return bad("--strategy " + strategy + ": " + e.getMessage());
        }
        if (schedules < 1) return bad("--schedules: expected at least 1, got " + schedules);
        if (threads < 1 || threads > 256) return bad("--threads: expected 1..256, got " + threads);
        if (schedules > Integer.MAX_VALUE) return bad("--schedules: at most " + Integer.MAX_VALUE);
        int shardI = 0, shardN = 1;
        if (shard != null) {
            Matcher m = Pattern.compile("(\\d+)/(\\d+)").matcher(shard);
            if (!m.matches()) return bad("--shard: expected i/n such as 0/4, got '" + shard + "'");
            shardI = Integer.parseInt(m.group(1));
            shardN = Integer.parseInt(m.group(2));
            if (shardN < 1 || shardI >= shardN) return bad("--shard: expected 0 <= i < n, got '" + shard + "'");
        }
        if (strategy.equals("exhaustive") && (threads > 1 || shardN > 1 || resume != null)) {
            return bad("--strategy exhaustive: one search, run in order: no --threads, --shard or --resume");
        }
        Duration budget = null;
        if (time != null) {
            budget = parseDuration(time);
            if (budget == null) return bad("--time: expected a duration such as 500ms, 30s, 5m or 1h, got '" + time + "'");
        }
        Set<Inject> switches = new LinkedHashSet<>();
        for (String name : inject) {
            var i = Inject.byKey(name);
            if (i.isEmpty()) {
                return bad("--inject: unknown switch '" + name + "' (expected one of "
                    + String.join(", ", java.util.Arrays.stream(Inject.values()).map(x -> x.key).toList()) + ")");
            }
            switches.add(i.get());
        }
        Scenario s;
        try {
            s = ScenarioLoader.load(scenario);
        } catch (ScenarioException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (ConfigException e) {
            System.err.println("conf/application.conf: " + e.getMessage());
            return 2;
        }
        List<String> names = s.explore().invariants();
        for (int i = 0; i < names.size(); i++) {
            if (Invariants.byName(names.get(i)) == null) {
                System.err.println(new ScenarioException(scenario.toString(), lineOf(scenario, names.get(i)),
                    "explore.invariants[" + i + "]", "unknown invariant '" + names.get(i) + "' (expected one of "
                        + Invariants.names() + ")").getMessage());
                return 2;
            }
        }
        Explorer.Builder builder;
        try {
            builder = Explorer.builder(s);
        } catch (ScenarioTopology.NotModelled e) {
            System.err.println(e.getMessage());
            return 2;
        }
        long theSeed = seed != null ? seed : s.seed();
        Progress bar = new Progress(System.console() != null);
        builder.strategy(spec).schedules(schedules).seed(theSeed).keepGoing(keepGoing).threads(threads)
            .shard(shardI, shardN).inject(switches).outDir(out).progress(bar::at);
        if (budget != null) builder.budget(budget);
        if (resume != null) builder.stateDir(resume);
        Explorer explorer = builder.build();

        // Ctrl-C / SIGTERM: stop after the schedules in progress, save the state, print what was covered
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            explorer.stop();
            try {
                finished.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // the JVM is going anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Explorer.Result r;
        try {
            r = explorer.run();
        } catch (IllegalArgumentException e) {
            finished.countDown();
            return bad(e.getMessage());
        }
        bar.clear();
        System.out.print(summary(scenario.toString(), s, switches, r, resume));
        if (json != null) new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), json(scenario.toString(), r));
        System.out.flush();
        finished.countDown();
        if (!r.stopped().equals("interrupted")) Runtime.getRuntime().removeShutdownHook(hook);
        return r.ok() ? 0 : 1;
    }

    /** 500ms, 30s, 5m, 1h; null if not one of those. */
    static Duration parseDuration(String t) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(t.trim());
        if (!m.matches()) return null;
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The line of the invariants list naming {@code name} (0 if not found: the message still names the key). */
    private static int lineOf(Path file, String name) {
        try {
            List<String> lines = Files.readAllLines(file);
            boolean inList = false;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).replaceAll("#.*", "");
                if (l.contains("invariants")) inList = true;
                if (inList && l.matches(".*[\\[\\s,\"]" + Pattern.quote(name) + "[\\s,\"\\]].*|.*[\\[\\s,\"]" + Pattern.quote(name) + "$")) return i + 1;
            }
        } catch (IOException ignored) {
            // the loader read it a moment ago; without the line the message still names the key
        }
        return 0;
    }

    static String summary(String file, Scenario s, Set<Inject> extra, Explorer.Result r, Path resume) {
        StringBuilder b = new StringBuilder();
        Set<String> sw = new LinkedHashSet<>();
        s.inject().forEach(i -> sw.add(i.key));
        extra.forEach(i -> sw.add(i.key));
        b.append(String.format("tcpsim explore %s   seed %d   strategy %s%s%s%n", file, r.seed(), r.strategy().describe(),
            r.shards() > 1 ? "   shard " + r.shard() + "/" + r.shards() : "", sw.isEmpty() ? "   faithful model" : "   inject " + String.join(",", sw)));
        b.append(String.format("  schedules run        %,d in %.1f s (%,.0f/s)%s%n", r.schedules(), r.wallSeconds(), r.schedulesPerSecond(),
            switch (r.stopped()) {
                case "violation" -> ", stopped at the first violation";
                case "budget" -> ", stopped by the time budget";
                case "interrupted" -> ", interrupted" + (resume != null ? ": resume with --resume " + resume : "");
                default -> "";
            }));
        b.append(String.format("  distinct schedules   %,d (by hash of their choices)%n", r.distinct()));
        if (r.coverage() != null) b.append("  ").append(r.coverage()).append('\n');
        b.append(String.format("  distinct end states  %,d (sockets and counters of every host)%n", r.endStates()));
        b.append("  checks\n");
        for (Map.Entry<String, Long> e : r.checks().entrySet()) {
            Invariant inv = Invariants.byName(e.getKey());
            b.append(String.format("    %-20s %,14d  %s%n", e.getKey(), e.getValue(), inv == null ? "" : inv.kind().name().toLowerCase()));
        }
        if (r.ok()) {
            b.append("  violations           none\n");
        } else {
            b.append(String.format("  violations           %d%n", r.violations().size()));
            for (Explorer.Found f : r.violations()) {
                b.append(String.format("    %s (schedule %d): %s%n", f.invariant(), f.scheduleIndex(), f.message()));
                b.append(String.format("      minimised to %d of %d non-default choices; replay: ./tcpsim replay %s%n",
                    f.deviations(), f.originalDeviations(), f.replayFile()));
            }
        }
        return b.toString();
    }

    static Map<String, Object> json(String file, Explorer.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", file);
        m.put("seed", r.seed());
        m.put("strategy", r.strategy().json());
        m.put("shard", r.shard() + "/" + r.shards());
        m.put("schedules", r.schedules());
        m.put("distinct", r.distinct());
        m.put("end_states", r.endStates());
        m.put("wall_seconds", r.wallSeconds());
        m.put("schedules_per_second", r.schedulesPerSecond());
        if (r.coverage() != null) m.put("coverage", r.coverage());
        m.put("stopped", r.stopped());
        m.put("checks", r.checks());
        List<Map<String, Object>> v = new ArrayList<>();
        for (Explorer.Found f : r.violations()) v.add(f.json());
        m.put("violations", v);
        // for explore-merge: distinct counts across shards need the hashes themselves
        m.put("schedule_hashes", r.scheduleHashes());
        m.put("end_state_hashes", r.endStateHashes());
        return m;
    }

    /** A progress bar on stderr, redrawn at most a few times a second, only on a terminal. */
    static final class Progress {
        private final boolean on;
        private boolean drawn;

        Progress(boolean on) {
            this.on = on;
        }

        void at(Explorer.Snapshot s) {
            if (!on) return;
            int width = 30;
            int filled = s.target() == 0 ? width : (int) Math.min(width, s.schedules() * width / s.target());
            double rate = s.wallSeconds() > 0 ? s.schedules() / s.wallSeconds() : 0;
            System.err.printf("\r  [%s%s] %,d/%,d schedules  %,.0f/s  distinct %,d  violations %d \033[K",
                "#".repeat(filled), ".".repeat(width - filled), s.schedules(), s.target(), rate, s.distinct(), s.violations());
            drawn = true;
        }

        void clear() {
            if (drawn) System.err.print("\r\033[K");
        }
    }
}
