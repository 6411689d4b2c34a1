package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Simulation;

/** The example in {@link TcpsimExtension}'s Javadoc (and README), kept compiling and passing. */
class VirtualTimerExampleTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic().strategy("random").seed(42);

    record Closed(long atNanos) {}

    // A toy actor with one 60 s timer (not the model's TIME_WAIT): gone when it fires.
    static Behavior<String> sixtySecondTimer(ActorRef<Closed> owner, Clock clock) {
        return Behaviors.withTimers(timers -> {
            timers.startSingleTimer("t", "expired", Duration.ofSeconds(60));
            return Behaviors.receiveMessage(expired -> {
                owner.tell(new Closed(clock.nanos()));
                return Behaviors.stopped();
            });
        });
    }

    @Test
    void aSixtySecondTimerFiresAfterSixtySecondsOfVirtualTime(Simulation sim, Clock clock) {
        DeterministicProbe<Closed> owner = tcpsim.createProbe();
        sim.startRun(sixtySecondTimer(owner.ref(), clock));    // spawn through the runtime, not testKit.spawn

        Closed closed = owner.receiveMessage();         // steps the simulation; no real-time wait
        assertEquals(60_000_000_000L, closed.atNanos());
        assertEquals(60_000_000_000L, clock.nanos());   // stopped at the delivery
    }
}
