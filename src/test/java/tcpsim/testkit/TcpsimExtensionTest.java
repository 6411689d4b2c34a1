package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Simulation;

class TcpsimExtensionTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    private static Simulation firstSeen;

    /** Sends the virtual time to {@code to} when its timer fires {@code delay} after start. */
    static Behavior<String> timerActor(Duration delay, ActorRef<Long> to, Clock clock) {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer("t", "fire", delay);
            return Behaviors.receiveMessage(fire -> {
                to.tell(clock.nanos());
                return Behaviors.same();
            });
        });
    }

    @RepeatedTest(3)
    void everyTestGetsTheClassSimulationInDeterministicModeWithItsClockAtZero(
            Simulation sim, Clock clock, ActorTestKit testKit, RepetitionInfo repetition) {
        if (firstSeen == null) firstSeen = sim;
        assertSame(firstSeen, sim, "one simulation per test class");
        assertSame(tcpsim.simulation(), sim);
        assertEquals(Simulation.Mode.DETERMINISTIC, sim.mode());
        assertSame(sim.system(), testKit.system(), "the testkit is bound to the simulation's actor system");
        assertEquals(0, clock.nanos(), "the previous repetition left the clock at 10 s");

        // Leave the clock at 10 s for the next repetition: once through a run, once without one.
        if (repetition.getCurrentRepetition() % 2 == 1) {
            sim.startRun(timerActor(Duration.ofSeconds(10), testKit.system().ignoreRef(), clock));
            sim.runUntilQuiescent();
        } else {
            sim.runFor(Duration.ofSeconds(10).toNanos());
        }
        assertEquals(10_000_000_000L, clock.nanos());
    }

    @Test
    void sixtySecondTimerFiresAtExactlySixtySecondsOfVirtualTime(Simulation sim, Clock clock) {
        long wallStart = System.nanoTime();
        DeterministicProbe<Long> fired = tcpsim.createProbe();
        sim.startRun(timerActor(Duration.ofSeconds(60), fired.ref(), clock));

        fired.expectNoMessage(Duration.ofSeconds(60).minusNanos(1));
        assertEquals(60_000_000_000L, fired.receiveMessage());
        assertEquals(60_000_000_000L, clock.nanos());

        long wallMillis = (System.nanoTime() - wallStart) / 1_000_000;
        assertTrue(wallMillis < 5_000, "60 s of virtual time took " + wallMillis + " ms of wall time");
    }

    @Test
    void akkasOwnProbeAssertsAtOnceOnceTheSimulationHasBeenDriven(Simulation sim, ActorTestKit testKit) {
        TestProbe<String> probe = testKit.createTestProbe();
        sim.startRun(Behaviors.setup(ctx -> {
            probe.ref().tell("hello");
            return Behaviors.empty();
        }));
        sim.runUntilQuiescent(); // drive first...
        probe.expectMessage(Duration.ZERO, "hello"); // ...then Akka's assertion needs no waiting at all
    }

    @Test
    void anUnknownStrategyIsRejectedWhenTheExtensionIsConfigured() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TcpsimExtension.deterministic().strategy("lifo"));
        assertTrue(e.getMessage().contains("unknown strategy 'lifo'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> TcpsimExtension.wild().seed(1));
    }
}
