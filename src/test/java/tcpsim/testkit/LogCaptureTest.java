package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import akka.actor.typed.javadsl.Behaviors;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.slf4j.LoggerFactory;
import tcpsim.runtime.Simulation;

/**
 * A failing test's log and trace are printed, a passing test's are not: checked by running a
 * fixture class through JUnit itself (EngineTestKit), with standard output and error captured.
 */
class LogCaptureTest {
    private static final String FIXTURES = "tcpsim.testkit.fixtures";

    /** Keeps the fixtures out of ordinary runs (an IDE running the whole package would pick them up). */
    static final class OnlyInsideLogCaptureTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURES).isPresent()
                ? ConditionEvaluationResult.enabled("launched by LogCaptureTest")
                : ConditionEvaluationResult.disabled("fixture of LogCaptureTest");
        }
    }

    @ExtendWith(OnlyInsideLogCaptureTest.class)
    static class LoggingFixture {
        @RegisterExtension
        static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

        static Simulation used;

        /** An actor logs at DEBUG and WARN 3 s into the run; the test body logs at INFO. */
        static void logFromModelAndTest(Simulation sim, String tag) {
            used = sim;
            LoggerFactory.getLogger(LoggingFixture.class).info("test body says {}", tag);
            sim.startRun(Behaviors.<String>setup(ctx -> Behaviors.withTimers(timers -> {
                timers.startSingleTimer("t", "wake", Duration.ofSeconds(3));
                return Behaviors.receiveMessage(wake -> {
                    ctx.getLog().debug("actor debug {}", tag);
                    ctx.getLog().warn("actor warn {}", tag);
                    return Behaviors.same();
                });
            })));
            sim.runUntilQuiescent();
        }

        @Test
        void passesAfterLogging(Simulation sim) {
            logFromModelAndTest(sim, "PASSING-MARK");
        }

        @Test
        void failsAfterLogging(Simulation sim) {
            logFromModelAndTest(sim, "FAILING-MARK");
            fail("the model said no");
        }
    }

    private record Run(EngineExecutionResults results, String out, String err) {}

    private static Run run(DiscoverySelector selector) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .configurationParameter(FIXTURES, "true")
                .selectors(selector)
                .execute();
            return new Run(results, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void aFailingTestPrintsItsLogAndTraceToStandardOutputUnderAHeader() {
        Run r = run(selectMethod(LoggingFixture.class, "failsAfterLogging", Simulation.class.getName()));
        assertEquals(1, r.results().testEvents().failed().count());

        String test = LoggingFixture.class.getName() + "#failsAfterLogging";
        List<String> lines = r.out().lines().toList();
        assertEquals("=== tcpsim: failed test " + test + ": org.opentest4j.AssertionFailedError: the model said no",
            lines.get(0), r.out());
        assertTrue(line(lines, "test body says FAILING-MARK").startsWith("[0.000000] INFO "), r.out());
        assertTrue(line(lines, "actor debug FAILING-MARK").startsWith("[3.000000] DEBUG "),
            "the actor's DEBUG line, stamped with virtual time: " + r.out());
        assertTrue(line(lines, "actor warn FAILING-MARK").startsWith("[3.000000] WARN "), r.out());
        assertTrue(lines.contains("3.000000 deliver /user/run timer(t)"), "the run's trace: " + r.out());
        assertEquals("=== end of " + test, lines.get(lines.size() - 1), r.out());
        assertFalse(r.err().contains("FAILING-MARK"), "the configured STDERR appender is detached while capturing: " + r.err());
    }

    @Test
    void aPassingTestPrintsNothingNotEvenItsWarnings() {
        Run r = run(selectMethod(LoggingFixture.class, "passesAfterLogging", Simulation.class.getName()));
        assertEquals(1, r.results().testEvents().succeeded().count());

        assertFalse(r.out().contains("PASSING-MARK"), r.out());
        assertFalse(r.err().contains("PASSING-MARK"), r.err());
        assertEquals("", r.out() + r.err());
    }

    @Test
    void onlyTheFailingTestOfAClassIsPrintedAndTheSimulationIsClosedAfterIt() {
        Run r = run(selectClass(LoggingFixture.class));
        assertEquals(1, r.results().testEvents().succeeded().count());
        assertEquals(1, r.results().testEvents().failed().count());

        assertTrue(r.out().contains("FAILING-MARK"), r.out());
        assertFalse(r.out().contains("PASSING-MARK"), r.out());
        assertNotNull(LoggingFixture.used);
        assertTrue(LoggingFixture.used.system().whenTerminated().isCompleted(), "closed after all tests");
    }

    @Test
    void theLoggingConfigurationIsRestoredAfterEachTest() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> before = appenders(root);

        run(selectClass(LoggingFixture.class));

        assertEquals(before, appenders(root));
        assertNotNull(root.getAppender("STDERR"), "conf/logback.xml's appender is back");
        for (String name : TcpsimExtension.DEBUG_LOGGERS) {
            assertNull(ctx.getLogger(name).getLevel(), name + " inherits the root level again");
        }
    }

    private static String line(List<String> lines, String containing) {
        return lines.stream().filter(l -> l.contains(containing)).findFirst().orElse("(no line with " + containing + ")");
    }

    private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
        List<Appender<ILoggingEvent>> list = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) list.add(it.next());
        return list;
    }
}
