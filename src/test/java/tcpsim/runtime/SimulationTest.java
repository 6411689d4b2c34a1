package tcpsim.runtime;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimulationTest {
    static Simulation sim;

    @BeforeAll
    static void start() {
        sim = Simulation.deterministic(Strategy.fifo());
    }

    @AfterEach
    void endRun() {
        sim.stopRun();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    record Fire() {}

    static Behavior<Object> timerActor(long delayNanos, AtomicLong firedAt, Clock clock) {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer("t", new Fire(), Duration.ofNanos(delayNanos));
            return Behaviors.receive(Object.class)
                .onMessage(Fire.class, f -> {
                    firedAt.set(clock.nanos());
                    return Behaviors.same();
                })
                .build();
        });
    }

    @Test
    void sixtySecondTimerFiresAtExactlySixtySecondsVirtual() {
        AtomicLong firedAt = new AtomicLong(-1);
        sim.startRun(timerActor(60_000_000_000L, firedAt, sim.clock()));
        sim.runUntilQuiescent();
        assertEquals(60_000_000_000L, firedAt.get());
        assertEquals(60_000_000_000L, sim.nowNanos());
        sim.stopRun();
        assertEquals(0, sim.nowNanos(), "stopRun resets the clock for the next run");
    }

    @Test
    void replacedTimerFiresOnceAtTheNewDeadline() {
        List<Long> fired = new ArrayList<>();
        sim.startRun(Behaviors.<Object>withTimers(timers -> {
            timers.startSingleTimer("k", new Fire(), Duration.ofMillis(100));
            timers.startSingleTimer("k", new Fire(), Duration.ofMillis(200));
            return Behaviors.receive(Object.class)
                .onMessage(Fire.class, f -> { fired.add(sim.nowNanos()); return Behaviors.same(); })
                .build();
        }));
        sim.runUntilQuiescent();
        assertEquals(List.of(200_000_000L), fired);
        sim.stopRun();
    }

    @Test
    void runForStopsAtTheDeadlineAndLeavesLaterTimersPending() {
        AtomicLong firedAt = new AtomicLong(-1);
        sim.startRun(timerActor(5_000_000_000L, firedAt, sim.clock()));
        sim.runFor(2_000_000_000L);
        assertEquals(-1, firedAt.get());
        assertEquals(2_000_000_000L, sim.nowNanos());
        assertEquals(1, sim.pendingTimers());
        sim.runFor(3_000_000_000L);
        assertEquals(5_000_000_000L, firedAt.get());
        sim.stopRun();
    }

    @Test
    void workFromAnotherThreadFailsTheNextStep() throws Exception {
        // its own system: a refused hand-over leaves that system unusable
        Simulation other = Simulation.deterministic(Strategy.fifo());
        ActorRef<Object> ref = other.startRun(Behaviors.receive(Object.class).build());
        other.drain(); // the mailbox is idle, so a tell must hand it to the executor
        Thread t = new Thread(() -> ref.tell("from elsewhere"), "foreign");
        t.start();
        t.join();
        IllegalStateException e = assertThrows(IllegalStateException.class, other::step);
        assertTrue(e.getMessage().contains("thread 'foreign', not the driver"), e.getMessage());
    }

    @Test
    void oneSystemRunsManyShortRunsUnderTheSameName() {
        for (int i = 0; i < 200; i++) {
            AtomicLong firedAt = new AtomicLong(-1);
            ActorRef<Object> root = sim.startRun(timerActor(1_000_000L * (i + 1), firedAt, sim.clock()));
            assertEquals("/user/run", root.path().toStringWithoutAddress());
            sim.runUntilQuiescent();
            assertEquals(1_000_000L * (i + 1), firedAt.get());
            sim.stopRun();
        }
    }
}
