package tcpsim.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import tcpsim.explore.Explorer;
import tcpsim.explore.Invariant;
import tcpsim.explore.Invariants;
import tcpsim.explore.ReplayFile;
import tcpsim.explore.ScheduleRunner;
import tcpsim.explore.StrategySpec;
import tcpsim.explore.Timeline;
import tcpsim.link.WireTap;
import tcpsim.net.Inject;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.Schedule;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.Topology;

/**
 * A race test in a few lines: a scenario (a file, or a {@link Topology} built in Java), a search
 * strategy, a budget, invariants, then {@link #assertNoViolations()}. A failure is an
 * {@link AssertionError} that names the invariant, the replay file (for {@code ./tcpsim replay}) and
 * shows the minimised schedule's timeline. Needs no JUnit: any test framework reports it.
 *
 * <pre>{@code
 * RaceTest.of(Path.of("simulations/races/accept-vs-listener-close.conf"))
 *     .pct(3).schedules(2_000)
 *     .check(myInvariant)
 *     .assertNoViolations();
 * }</pre>
 */
public final class RaceTest {
    private final Topology topology;
    private final Scenario scenario;
    private final long untilNanos;
    private long seed;
    private StrategySpec strategy = StrategySpec.random();
    private long schedules = 1_000;
    private List<Invariant> invariants;
    private final EnumSet<Inject> inject = EnumSet.noneOf(Inject.class);
    private Path replayDir;

    private RaceTest(Topology topology, Scenario scenario, long seed, long untilNanos, List<Invariant> invariants) {
        this.topology = topology;
        this.scenario = scenario;
        this.seed = seed;
        this.untilNanos = untilNanos;
        this.invariants = new ArrayList<>(invariants);
    }

    /** A scenario file, with the invariants its {@code explore} block names (all built-ins if none). */
    public static RaceTest of(Path scenarioFile) {
        Scenario s = ScenarioLoader.load(scenarioFile);
        return new RaceTest(ScenarioTopology.from(s), s, s.seed(), s.untilNanos(), Invariants.named(s.explore().invariants()));
    }

    /** A topology built in Java, run until {@code until} of virtual time, with every built-in invariant. */
    public static RaceTest of(Topology topology, long seed, Duration until) {
        return new RaceTest(topology, null, seed, until.toNanos(), Invariants.all());
    }

    public RaceTest random() {
        return strategy(StrategySpec.random());
    }

    /** PCT with bug depth {@code depth}. */
    public RaceTest pct(int depth) {
        return strategy(StrategySpec.pct(depth));
    }

    public RaceTest delayBounded(int delays) {
        return strategy(StrategySpec.delayBounded(delays));
    }

    public RaceTest strategy(StrategySpec s) {
        this.strategy = s;
        return this;
    }

    /** How many schedules to run (the budget). */
    public RaceTest schedules(long n) {
        this.schedules = n;
        return this;
    }

    public RaceTest seed(long s) {
        this.seed = s;
        return this;
    }

    /** Check these too (a test's own invariants, next to the built-ins). */
    public RaceTest check(Invariant... more) {
        invariants.addAll(Arrays.asList(more));
        return this;
    }

    /** Check only these. */
    public RaceTest only(Invariant... these) {
        invariants = new ArrayList<>(Arrays.asList(these));
        return this;
    }

    /** Run with race-injection switches on (to see that a test catches what it should). */
    public RaceTest inject(Inject... switches) {
        inject.addAll(Arrays.asList(switches));
        return this;
    }

    /** Where replay files go (default: a new temporary directory). */
    public RaceTest replayDir(Path dir) {
        this.replayDir = dir;
        return this;
    }

    /** Run the search and return its figures, violations included. */
    public Explorer.Result run() {
        Path out = replayDir;
        try {
            if (out == null) out = Files.createTempDirectory("tcpsim-race");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Explorer.Builder b = scenario != null ? Explorer.builder(scenario) : Explorer.builder(topology, seed, untilNanos);
        return b.seed(seed).strategy(strategy).schedules(schedules).invariants(invariants).inject(inject).outDir(out).run();
    }

    /** Run the search; fail with the first violation's replay file and minimised timeline. */
    public Explorer.Result assertNoViolations() {
        Explorer.Result r = run();
        if (r.ok()) return r;
        Explorer.Found f = r.violations().get(0);
        throw new AssertionError(f.invariant() + " broke in schedule " + f.scheduleIndex() + " of " + r.schedules()
            + " (" + strategy.describe() + ", seed " + seed + "): " + f.message() + "\nreplay: ./tcpsim replay "
            + f.replayFile() + "\nminimised to " + f.deviations() + " of " + f.originalDeviations()
            + " deviations from the first-ready order; its timeline:\n" + timeline(f));
    }

    /** The minimised schedule run again with a trace, as a timeline. */
    private String timeline(Explorer.Found f) {
        try {
            ReplayFile file = ReplayFile.read(f.replayFile());
            EnumSet<Inject> all = EnumSet.noneOf(Inject.class);
            all.addAll(topology.inject());
            all.addAll(inject);
            Topology topo = topology.withInject(all);
            try (ScheduleRunner runner = new ScheduleRunner(topo, seed, untilNanos, invariants)) {
                StringBuilder trace = new StringBuilder();
                runner.run(Choosers.replay(Schedule.decode(file.choices())), Trace.to(trace, runner.simulation().clock()),
                    WireTap.NONE);
                return Timeline.of(trace.toString(), topo).text(f.invariant() + ": " + f.message());
            }
        } catch (IOException | RuntimeException e) {
            return "(no timeline: " + e.getMessage() + ")";
        }
    }
}
