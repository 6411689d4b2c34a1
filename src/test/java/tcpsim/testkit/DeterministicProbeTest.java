package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.AssertionFailedError;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Simulation;

/** The probe drives the simulation itself; used here through {@code @ExtendWith} and parameters. */
@ExtendWith(TcpsimExtension.class)
class DeterministicProbeTest {
    record Sent(String what, long atNanos) {}

    /** Sends {@code what} to {@code to} at each of the given virtual times (ms after start). */
    static Behavior<String> sendAt(ActorRef<Sent> to, Clock clock, String what, long... millis) {
        return Behaviors.withTimers(timers -> {
            for (long ms : millis) timers.startSingleTimer("t" + ms, what, Duration.ofMillis(ms));
            return Behaviors.receiveMessage(m -> {
                to.tell(new Sent(m, clock.nanos()));
                return Behaviors.same();
            });
        });
    }

    @Test
    void receiveMessageStepsTheSimulationUntilTheMessageArrives(Simulation sim, ActorTestKit testKit) {
        DeterministicProbe<String> probe = DeterministicProbe.create(testKit, sim);
        AtomicBoolean sent = new AtomicBoolean();
        sim.startRun(Behaviors.setup(ctx -> {
            sent.set(true);
            probe.ref().tell("hello");
            return Behaviors.empty();
        }));
        assertFalse(sent.get(), "startRun returns before the root has run: only the probe can have driven it");

        assertEquals("hello", probe.receiveMessage());
        assertTrue(sent.get());
    }

    @Test
    void receiveMessageStopsAtTheFirstDeliveryWithTheClockAtItsTime(Simulation sim, ActorTestKit testKit, Clock clock) {
        DeterministicProbe<Sent> probe = DeterministicProbe.create(testKit, sim);
        sim.startRun(sendAt(probe.ref(), clock, "syn-ack", 1_000, 3_000));

        assertEquals(new Sent("syn-ack", 1_000_000_000L), probe.receiveMessage());
        assertEquals(1_000_000_000L, clock.nanos(), "the 3 s timer has not been reached yet");
        assertEquals(1, sim.pendingTimers());
        assertEquals(new Sent("syn-ack", 3_000_000_000L), probe.receiveMessage());
    }

    @Test
    void receiveMessageFailsAtOnceWhenTheSimulationGoesQuiescent(Simulation sim, ActorTestKit testKit) {
        DeterministicProbe<String> probe = DeterministicProbe.create(testKit, sim);
        sim.startRun(Behaviors.empty());

        AssertionFailedError e = assertThrows(AssertionFailedError.class, probe::receiveMessage);
        assertTrue(e.getMessage().contains("the simulation went quiescent"), e.getMessage());
    }

    @Test
    void receiveMessageWithinFailsForAMessageDueLaterAndLeavesItDeliverable(Simulation sim, ActorTestKit testKit, Clock clock) {
        DeterministicProbe<Sent> probe = DeterministicProbe.create(testKit, sim);
        sim.startRun(sendAt(probe.ref(), clock, "rto", 10_000));

        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> probe.receiveMessage(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("no message within 5.000000 s of virtual time"), e.getMessage());
        assertEquals(new Sent("rto", 10_000_000_000L), probe.receiveMessage(Duration.ofSeconds(10)));
    }

    @Test
    void expectNoMessageRunsExactlyTheGivenVirtualTime(Simulation sim, ActorTestKit testKit, Clock clock) {
        DeterministicProbe<Sent> probe = DeterministicProbe.create(testKit, sim);
        sim.startRun(sendAt(probe.ref(), clock, "keepalive", 1_000, 2_000));

        probe.expectNoMessage(Duration.ofMillis(999));
        assertEquals(999_000_000L, clock.nanos());
        probe.expectMessage(new Sent("keepalive", 1_000_000_000L));

        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> probe.expectNoMessage(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("expected no message from 1.000000 to 3.000000"), e.getMessage());
    }

    @Test
    void expectMessageClassReturnsTheMessageAsThatType(Simulation sim, ActorTestKit testKit, Clock clock) {
        DeterministicProbe<Object> probe = DeterministicProbe.of(testKit.createTestProbe(), sim);
        sim.startRun(sendAt(probe.ref().narrow(), clock, "fin", 200));

        Sent fin = probe.expectMessageClass(Sent.class);
        assertEquals("fin", fin.what());
    }

    @Test
    void anUnboundedReceiveGivesUpWhenAPeriodicTimerKeepsTheSimulationBusy(Simulation sim, ActorTestKit testKit) {
        DeterministicProbe<String> probe = DeterministicProbe.create(testKit, sim);
        sim.startRun(Behaviors.<String>withTimers(timers -> {
            timers.startTimerAtFixedRate("tick", "tick", Duration.ofMillis(1));
            return Behaviors.receiveMessage(tick -> Behaviors.same());
        }));

        AssertionFailedError e = assertThrows(AssertionFailedError.class, probe::receiveMessage);
        assertTrue(e.getMessage().contains("something keeps the simulation busy"), e.getMessage());

        long from = sim.nowNanos();
        e = assertThrows(AssertionFailedError.class, () -> probe.receiveMessage(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("no message within 2.000000 s of virtual time"), e.getMessage());
        assertTrue(sim.nowNanos() - from <= 2_000_000_000L, "a bounded receive stops at its deadline");
    }
}
