package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Simulation;
import tcpsim.testkit.DeterministicProbe;
import tcpsim.testkit.TcpsimExtension;

/** A user's own actor on tcpsim's deterministic runtime: retries whose timeout doubles, in virtual time. */
class RetryBackoffTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic().strategy("random").seed(7);

    record Attempt(int n, long atNanos) {}

    /** Tells {@code peer} of attempt 0 now, then of one more after 1 s, 2 s, 4 s ... until {@code last}. */
    static Behavior<String> retrier(ActorRef<Attempt> peer, Clock clock, int last) {
        return Behaviors.withTimers(timers -> attempt(peer, clock, timers, 0, last, Duration.ofSeconds(1)));
    }

    private static Behavior<String> attempt(ActorRef<Attempt> peer, Clock clock, TimerScheduler<String> timers,
                                            int n, int last, Duration timeout) {
        peer.tell(new Attempt(n, clock.nanos()));
        if (n == last) return Behaviors.stopped();
        timers.startSingleTimer("retry", timeout);
        return Behaviors.receiveMessage(retry -> attempt(peer, clock, timers, n + 1, last, timeout.multipliedBy(2)));
    }

    @Test
    void eachRetryWaitsTwiceAsLongAsTheOneBefore(Simulation sim, Clock clock) {
        DeterministicProbe<Attempt> peer = tcpsim.createProbe();
        sim.startRun(retrier(peer.ref(), clock, 3)); // spawn through the runtime, not testKit.spawn

        assertEquals(new Attempt(0, 0), peer.receiveMessage()); // steps the simulation; no real-time wait
        assertEquals(new Attempt(1, 1_000_000_000L), peer.receiveMessage());
        assertEquals(new Attempt(2, 3_000_000_000L), peer.receiveMessage());
        assertEquals(new Attempt(3, 7_000_000_000L), peer.receiveMessage());
        peer.expectNoMessage(Duration.ofMinutes(1)); // a minute of virtual time, milliseconds of wall time
    }
}
