package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.runtime.Simulation;

/** The same extension and probe on Akka's own threads and clock. */
class WildModeTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.wild();

    record Ping(int n, ActorRef<Pong> replyTo) {}

    record Pong(int n, String thread) {}

    static Behavior<Ping> ponger() {
        return Behaviors.receiveMessage(ping -> {
            ping.replyTo().tell(new Pong(ping.n(), Thread.currentThread().getName()));
            return Behaviors.same();
        });
    }

    /** Plays {@code rounds} pings against a child ponger, then reports the last pong. */
    static Behavior<Pong> pinger(int rounds, ActorRef<Pong> done) {
        return Behaviors.setup(ctx -> {
            ActorRef<Ping> pong = ctx.spawn(ponger(), "pong");
            pong.tell(new Ping(1, ctx.getSelf()));
            return Behaviors.receiveMessage(p -> {
                if (p.n() == rounds) done.tell(p);
                else pong.tell(new Ping(p.n() + 1, ctx.getSelf()));
                return Behaviors.same();
            });
        });
    }

    @Test
    void pingPongStartedAsARunCompletesOnAkkasDispatcherThreads(Simulation sim) {
        assertEquals(Simulation.Mode.WILD, sim.mode());
        DeterministicProbe<Pong> done = tcpsim.createProbe();
        sim.startRun(pinger(100, done.ref()));

        Pong last = done.receiveMessage(Duration.ofSeconds(10));
        assertEquals(100, last.n());
        assertNotEquals(Thread.currentThread().getName(), last.thread(), "actors run on Akka's threads, not the test's");
    }

    @Test
    void drivingCallsThatNeedTheDeterministicDriverFailAtOnceInsteadOfHanging(Simulation sim) {
        IllegalStateException e = assertThrows(IllegalStateException.class, sim::runUntilQuiescent);
        assertEquals("only in deterministic mode", e.getMessage());
        assertThrows(IllegalStateException.class, sim::step);
    }

    @Test
    void testKitSpawnWorksInWildMode(ActorTestKit testKit) {
        ActorRef<Ping> pong = testKit.spawn(ponger(), "pong");
        DeterministicProbe<Pong> reply = tcpsim.createProbe();
        pong.tell(new Ping(7, reply.ref()));

        assertEquals(7, reply.receiveMessage(Duration.ofSeconds(10)).n());
    }
}
