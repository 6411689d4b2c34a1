package tcpsim.testkit;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.LoggerFactory;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.runtime.VirtualScheduler;
import tcpsim.sim.TraceFormat;

/**
 * JUnit 5 support for tests against the model: one {@link Simulation} per test class, an Akka
 * {@link ActorTestKit} bound to its actor system, a fresh run for every test, and the test's log
 * shown only when it fails (the JUnit 5 version of Akka's JUnit 4 {@code LogCapturing} rule).
 *
 * <h2>Example</h2>
 * <pre>{@code
 * import static org.junit.jupiter.api.Assertions.assertEquals;
 *
 * import akka.actor.typed.ActorRef;
 * import akka.actor.typed.Behavior;
 * import akka.actor.typed.javadsl.Behaviors;
 * import java.time.Duration;
 * import org.junit.jupiter.api.Test;
 * import org.junit.jupiter.api.extension.RegisterExtension;
 * import tcpsim.runtime.Clock;
 * import tcpsim.runtime.Simulation;
 * import tcpsim.testkit.DeterministicProbe;
 * import tcpsim.testkit.TcpsimExtension;
 *
 * class VirtualTimerExampleTest {
 *     @RegisterExtension
 *     static final TcpsimExtension tcpsim = TcpsimExtension.deterministic().strategy("random").seed(42);
 *
 *     record Closed(long atNanos) {}
 *
 *     // A toy actor with one 60 s timer (not the model's TIME_WAIT): gone when it fires.
 *     static Behavior<String> sixtySecondTimer(ActorRef<Closed> owner, Clock clock) {
 *         return Behaviors.withTimers(timers -> {
 *             timers.startSingleTimer("t", "expired", Duration.ofSeconds(60));
 *             return Behaviors.receiveMessage(expired -> {
 *                 owner.tell(new Closed(clock.nanos()));
 *                 return Behaviors.stopped();
 *             });
 *         });
 *     }
 *
 *     @Test
 *     void aSixtySecondTimerFiresAfterSixtySecondsOfVirtualTime(Simulation sim, Clock clock) {
 *         DeterministicProbe<Closed> owner = tcpsim.createProbe();
 *         sim.startRun(sixtySecondTimer(owner.ref(), clock));    // spawn through the runtime, not testKit.spawn
 *
 *         Closed closed = owner.receiveMessage();         // steps the simulation; no real-time wait
 *         assertEquals(60_000_000_000L, closed.atNanos());
 *         assertEquals(60_000_000_000L, clock.nanos());   // stopped at the delivery
 *     }
 * }
 * }</pre>
 * (The same test runs in {@code tcpsim.testkit.VirtualTimerExampleTest}.) {@code @ExtendWith(TcpsimExtension.class)}
 * gives the same with the defaults (deterministic, FIFO); the values are then reached through test
 * method parameters.
 *
 * <h2>What it provides</h2>
 * <ul>
 * <li>The simulation is created before the class's first test, on the thread that runs the tests
 *     (it becomes the driver), and closed after the last, through the driver. {@code @Nested}
 *     classes share their enclosing class's simulation.
 * <li>Before each test the strategy is rebuilt from its name and seed, so a test's schedule does not
 *     depend on which tests ran before it. After each test the run is stopped, what it left is
 *     drained, pending timers are dropped and the virtual clock goes back to 0, whether or not
 *     the test used {@link Simulation#startRun}.
 * <li>Test and lifecycle methods may take {@link Simulation}, {@link ActorTestKit} and
 *     {@link Clock} parameters. With a {@code static @RegisterExtension} field,
 *     {@link #simulation()}, {@link #testKit()}, {@link #clock()} and {@link #createProbe()} give
 *     the same objects.
 * <li>Log capture: from before the test until JUnit reports its result, every log event goes to a
 *     buffer instead of the configured appenders, with the {@code akka} and {@code tcpsim} loggers
 *     at DEBUG; each test also gets a {@link Trace} of its run's deliveries. If the test fails,
 *     both are printed to standard output under a header naming the test, each log line stamped
 *     with the simulation's time; if it passes or is aborted, nothing is printed.
 * </ul>
 *
 * <h2>Rules in deterministic mode</h2>
 * Nothing runs unless the test's thread drives the simulation ({@code sim.runUntilQuiescent()},
 * {@code runFor}, {@code runUntil}, {@code step}, or a {@link DeterministicProbe} receive). Hence:
 * <ul>
 * <li><b>Drive, then assert.</b> Akka's {@code probe.expectMessage} and {@code receiveMessage}
 *     wait in real time and do not drive: without a prior {@code sim.runUntilQuiescent()} they
 *     fail after 3 s. {@link DeterministicProbe} drives for you and stops at the delivery.
 * <li><b>No {@code testKit.spawn} or {@code testKit.stop} on the test thread.</b> Both block on
 *     an ask that only the blocked thread could deliver, and time out. Spawn with
 *     {@code sim.startRun(root)}; the root spawns further actors in {@code Behaviors.setup}
 *     (spawn through the parent). {@code createDeadLetterProbe()} and the other event-stream
 *     probes block the same way.
 * <li><b>No {@code testKit.shutdownTestKit()}.</b> It waits for a termination that only the
 *     driver can carry out; the extension terminates the system through the driver after all
 *     tests.
 * <li>A class's tests run one after another on one thread: no parallel execution, no
 *     {@code @Timeout(threadMode = SEPARATE_THREAD)}. Work handed to the simulation from another
 *     thread fails the next step (see {@code ControlledExecutor}).
 * </ul>
 * In wild mode ({@link #wild()}) actors run on Akka's threads in real time; {@code testKit.spawn}
 * and Akka's probes work as usual, and {@link DeterministicProbe} falls back to real-time waits.
 */
public final class TcpsimExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver, TestWatcher {

    /** Loggers set to DEBUG while a test runs. */
    static final List<String> DEBUG_LOGGERS = List.of("akka", "tcpsim");

    /** Trace lines kept for a failing test's report (the last ones). */
    static final int TRACE_TAIL = 2_000;

    private final Simulation.Mode mode;
    private final String strategy;
    private final long seed;

    private Simulation sim;
    private ActorTestKit testKit;
    private Thread driver;
    private String owner; // unique id of the class context that created the simulation
    private TestCapture capture;

    /** Deterministic mode, FIFO strategy: what {@code @ExtendWith(TcpsimExtension.class)} gives. */
    public TcpsimExtension() {
        this(Simulation.Mode.DETERMINISTIC, "fifo", 0);
    }

    private TcpsimExtension(Simulation.Mode mode, String strategy, long seed) {
        if (strategy != null) Strategy.named(strategy, seed); // reject an unknown name here, not at the first test
        this.mode = mode;
        this.strategy = strategy;
        this.seed = seed;
    }

    /** Deterministic mode with the FIFO strategy; see {@link #strategy} and {@link #seed}. */
    public static TcpsimExtension deterministic() {
        return new TcpsimExtension();
    }

    /** Wild mode: Akka's own dispatcher and scheduler, in real time. */
    public static TcpsimExtension wild() {
        return new TcpsimExtension(Simulation.Mode.WILD, null, 0);
    }

    /** The scheduling strategy by name, as {@link Strategy#named}: {@code "fifo"} or {@code "random"}. */
    public TcpsimExtension strategy(String name) {
        requireDeterministicConfig("strategy");
        return new TcpsimExtension(mode, name, seed);
    }

    /** The seed of a seeded strategy; every test starts from it. */
    public TcpsimExtension seed(long seed) {
        requireDeterministicConfig("seed");
        return new TcpsimExtension(mode, strategy, seed);
    }

    private void requireDeterministicConfig(String what) {
        if (mode != Simulation.Mode.DETERMINISTIC) {
            throw new IllegalStateException("a " + what + " applies to deterministic mode only");
        }
    }

    /** The class's simulation (between its first test's start and its last test's end). */
    public Simulation simulation() {
        requireStarted();
        return sim;
    }

    /** The Akka testkit bound to the simulation's actor system; see the rules above. */
    public ActorTestKit testKit() {
        requireStarted();
        return testKit;
    }

    /** The simulation's clock: virtual in deterministic mode. */
    public Clock clock() {
        return simulation().clock();
    }

    /** A probe on the simulation's system that drives the simulation while it waits. */
    public <T> DeterministicProbe<T> createProbe() {
        return DeterministicProbe.create(testKit(), simulation());
    }

    private void requireStarted() {
        if (sim == null) {
            throw new IllegalStateException("TcpsimExtension has not started: register it with @ExtendWith or in a"
                + " static @RegisterExtension field (an instance field misses beforeAll), and use it from the tests");
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (sim != null) {
            if (context.getUniqueId().startsWith(owner)) return; // a @Nested class runs on its outer class's simulation
            throw new IllegalStateException("this TcpsimExtension already drives the simulation of " + owner
                + "; test classes sharing one must run one after another");
        }
        // SLF4J initialised here, before a wild system's threads log concurrently (its replay warning)
        LoggerFactory.getILoggerFactory();
        Simulation s = Simulation.create(mode, strategy == null ? null : Strategy.named(strategy, seed));
        try {
            testKit = ActorTestKit.create(s.system());
            if (mode == Simulation.Mode.DETERMINISTIC) s.drain(); // /system starts the testkit's guardian now, not in test 1
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        sim = s;
        driver = Thread.currentThread();
        owner = context.getUniqueId();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (sim == null || !context.getUniqueId().equals(owner)) return;
        if (capture != null) capture.discard();
        capture = null;
        Simulation s = sim;
        sim = null;
        testKit = null;
        driver = null;
        owner = null;
        s.close();
        if (!s.system().whenTerminated().isCompleted()) {
            throw new IllegalStateException("the actor system did not terminate under the driver");
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        requireStarted();
        if (mode == Simulation.Mode.DETERMINISTIC && Thread.currentThread() != driver) {
            throw new IllegalStateException("test runs on thread '" + Thread.currentThread().getName()
                + "' but the simulation's driver is '" + driver.getName() + "': a deterministic simulation is"
                + " driven by one thread (no parallel execution, no @Timeout on a separate thread)");
        }
        capture = new TestCapture(sim);
        if (mode == Simulation.Mode.DETERMINISTIC) sim.strategy(Strategy.named(strategy, seed));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (sim == null) return; // beforeEach already failed in requireStarted
        sim.stopRun();
        if (mode == Simulation.Mode.DETERMINISTIC) {
            // stopRun resets only when a run was active; a test may also have moved the clock or
            // scheduled work on its own
            sim.drain();
            ((VirtualScheduler) Adapter.toClassic(sim.system()).scheduler()).reset();
        }
        sim.trace(Trace.OFF, TraceFormat::message);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        endCapture(null, context);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        endCapture(null, context);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        endCapture(cause, context);
    }

    private void endCapture(Throwable failure, ExtensionContext context) {
        TestCapture c = capture;
        capture = null;
        if (c == null) return;
        c.discard();
        if (failure != null) c.print(System.out, testName(context), failure);
    }

    /** Class#method, plus the display name when it says more (a repetition, parameters' values). */
    private static String testName(ExtensionContext context) {
        String name = context.getRequiredTestClass().getName() + "#" + context.getRequiredTestMethod().getName();
        String display = context.getDisplayName();
        boolean plain = display.startsWith(context.getRequiredTestMethod().getName() + "(");
        return plain ? name : name + " [" + display + "]";
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Simulation.class || type == ActorTestKit.class || type == Clock.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (sim == null) {
            throw new ParameterResolutionException("no simulation yet for " + parameter.getParameter()
                + ": TcpsimExtension starts it before @BeforeAll methods (not before a PER_CLASS constructor)");
        }
        Class<?> type = parameter.getParameter().getType();
        if (type == Simulation.class) return sim;
        if (type == ActorTestKit.class) return testKit;
        return sim.clock();
    }

    /** One test's log capture and run trace, kept until JUnit reports the test's result. */
    private static final class TestCapture {
        private final CapturingAppender log;
        private final TraceTail trace = new TraceTail(TRACE_TAIL);

        TestCapture(Simulation sim) {
            String pattern = sim.mode() == Simulation.Mode.DETERMINISTIC
                ? "%-5level %logger{36} - %msg%n"
                : "%-5level %logger{36} [%thread] - %msg%n";
            log = CapturingAppender.install(sim.clock(), pattern, DEBUG_LOGGERS);
            sim.trace(Trace.to(trace, sim.clock()), TraceFormat::message);
        }

        void discard() {
            log.uninstall();
        }

        void print(PrintStream out, String test, Throwable failure) {
            StringBuilder b = new StringBuilder(4096);
            b.append("=== tcpsim: failed test ").append(test).append(": ").append(failure).append('\n');
            List<String> lines = log.lines();
            b.append("--- log (").append(lines.size()).append(" lines, [virtual time] level logger - message) ---\n");
            for (String l : lines) b.append(l).append('\n');
            trace.appendTo(b);
            b.append("=== end of ").append(test).append('\n');
            out.print(b);
            out.flush();
        }
    }

    /** The last lines of a trace. */
    private static final class TraceTail implements Appendable {
        private final int max;
        private final ArrayDeque<String> lines = new ArrayDeque<>();
        private final StringBuilder partial = new StringBuilder();
        private long dropped;

        TraceTail(int max) {
            this.max = max;
        }

        @Override
        public synchronized Appendable append(CharSequence s) {
            int start = 0;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) != '\n') continue;
                partial.append(s, start, i);
                addLine(partial.toString());
                partial.setLength(0);
                start = i + 1;
            }
            partial.append(s, start, s.length());
            return this;
        }

        @Override
        public Appendable append(CharSequence s, int start, int end) {
            return append(s.subSequence(start, end));
        }

        @Override
        public Appendable append(char c) {
            return append(String.valueOf(c));
        }

        private void addLine(String line) {
            if (lines.size() == max) {
                lines.removeFirst();
                dropped++;
            }
            lines.addLast(line);
        }

        synchronized void appendTo(StringBuilder b) {
            b.append("--- trace of the run (").append(lines.size()).append(" lines");
            if (dropped > 0) b.append(", ").append(dropped).append(" earlier dropped");
            b.append(") ---\n");
            for (String l : lines) b.append(l).append('\n');
        }
    }
}
