package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import org.opentest4j.AssertionFailedError;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Trace;

/**
 * An Akka {@link TestProbe} that drives the simulation instead of waiting on the wall clock.
 *
 * <p>In deterministic mode nothing runs unless the test's thread (the driver) steps the
 * simulation, so Akka's {@code probe.expectMessage} would just wait 3 s of real time and fail.
 * Here {@link #receiveMessage()} steps the simulation until the probe's actor has received a
 * message, and stops there: the clock reads the virtual time at which the message arrived. If
 * the simulation goes quiescent (nothing ready, no timer pending) first, it fails at once with
 * that reason; it never sleeps.
 *
 * <p>In wild mode the actors run on their own threads, so the same calls fall back to Akka's
 * real-time waits ({@code akka.actor.testkit.typed.single-expect-default}, 3 s), and a test
 * written against this class runs unchanged in both modes.
 *
 * <p>The underlying {@link #probe()} stays available for Akka's other assertions; in
 * deterministic mode use them only after driving ({@code sim.runUntilQuiescent()}).
 */
public final class DeterministicProbe<T> {
    /**
     * {@link #receiveMessage()} gives up after this many scheduling steps without a message: a
     * periodic timer keeps a simulation busy forever, and a hanging test says less than a failing
     * one. {@link #receiveMessage(Duration)} is bounded by virtual time instead.
     */
    public static final long MAX_STEPS = 1_000_000;

    private final TestProbe<T> probe;
    private final Simulation sim;
    private final BlockingDeque<?> queue;

    private DeterministicProbe(TestProbe<T> probe, Simulation sim) {
        this.probe = probe;
        this.sim = sim;
        this.queue = sim.mode() == Simulation.Mode.DETERMINISTIC ? receivedQueue(probe) : null;
    }

    /** A new probe on the simulation's system (through the testkit bound to it). */
    public static <T> DeterministicProbe<T> create(ActorTestKit testKit, Simulation sim) {
        if (testKit.system() != sim.system()) {
            throw new IllegalArgumentException("the testkit is bound to another actor system than the simulation's");
        }
        return new DeterministicProbe<>(testKit.createTestProbe(), sim);
    }

    /** Wrap an existing probe created on the simulation's system. */
    public static <T> DeterministicProbe<T> of(TestProbe<T> probe, Simulation sim) {
        return new DeterministicProbe<>(probe, sim);
    }

    public ActorRef<T> ref() {
        return probe.ref();
    }

    public TestProbe<T> probe() {
        return probe;
    }

    /** The next message, driving the simulation until it arrives or nothing is left to run. */
    public T receiveMessage() {
        return receive(Long.MAX_VALUE);
    }

    /**
     * The next message if it arrives within {@code within} of virtual time from now (deterministic
     * mode; real time in wild mode).
     */
    public T receiveMessage(Duration within) {
        return receive(within.toNanos());
    }

    /** Receive the next message (as {@link #receiveMessage()}) and assert it equals {@code expected}. */
    public T expectMessage(T expected) {
        T m = receiveMessage();
        assertEquals(expected, m, () -> "probe " + name() + " at virtual time " + Trace.time(sim.nowNanos()));
        return m;
    }

    /** Receive the next message (as {@link #receiveMessage()}) and assert it is a {@code type}. */
    public <U extends T> U expectMessageClass(Class<U> type) {
        T m = receiveMessage();
        return assertInstanceOf(type, m, () -> "probe " + name() + " at virtual time " + Trace.time(sim.nowNanos()));
    }

    /**
     * Assert that nothing reaches the probe during the next {@code within}: in deterministic mode
     * the simulation runs for exactly that much virtual time (the clock ends at now + within).
     */
    public void expectNoMessage(Duration within) {
        if (queue == null) {
            probe.expectNoMessage(within);
            return;
        }
        long from = sim.nowNanos();
        if (queue.isEmpty()) sim.runFor(within.toNanos());
        if (!queue.isEmpty()) {
            throw new AssertionFailedError("probe " + name() + ": expected no message from " + Trace.time(from)
                + " to " + Trace.time(from + within.toNanos()) + " (virtual), got " + queue.peekFirst()
                + " by " + Trace.time(sim.nowNanos()));
        }
    }

    private T receive(long withinNanos) {
        if (queue == null) {
            return withinNanos == Long.MAX_VALUE ? probe.receiveMessage() : probe.receiveMessage(Duration.ofNanos(withinNanos));
        }
        long from = sim.nowNanos();
        long deadline = withinNanos >= Long.MAX_VALUE - from ? Long.MAX_VALUE : from + withinNanos;
        boolean unbounded = deadline == Long.MAX_VALUE; // a bounded wait ends on virtual time, busy or not
        long[] polls = {0};
        sim.runUntil(() -> !queue.isEmpty() || unbounded && polls[0]++ >= MAX_STEPS, deadline);
        // the message is in the probe's own queue, so this returns without waiting
        if (!queue.isEmpty()) return probe.receiveMessage(Duration.ZERO);
        String at = " (virtual time now " + Trace.time(sim.nowNanos()) + ")";
        if (polls[0] > MAX_STEPS) {
            throw new AssertionFailedError("probe " + name() + ": no message after " + MAX_STEPS
                + " scheduling steps" + at + "; something keeps the simulation busy (a periodic timer?):"
                + " bound the wait with receiveMessage(within)");
        }
        if (!unbounded && sim.pendingTimers() > 0) {
            throw new AssertionFailedError("probe " + name() + ": no message within " + Trace.time(withinNanos)
                + " s of virtual time from " + Trace.time(from) + at + "; the next timer is due later");
        }
        throw new AssertionFailedError("probe " + name() + ": no message, and the simulation went quiescent"
            + at + ": nothing ready to run and no timer pending");
    }

    private String name() {
        return probe.ref().path().name();
    }

    /**
     * The deque Akka's probe actor appends received messages to. Akka exposes no non-blocking
     * "has a message" check, so this reads the private field of {@code TestProbeImpl} (Akka is
     * pinned at 2.6.21, where it is {@code private val queue: LinkedBlockingDeque[M]}).
     */
    private static BlockingDeque<?> receivedQueue(TestProbe<?> probe) {
        try {
            Field f = probe.getClass().getDeclaredField("queue");
            f.setAccessible(true);
            return (BlockingDeque<?>) f.get(probe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("DeterministicProbe reads TestProbeImpl.queue as in Akka 2.6.21; "
                + probe.getClass().getName() + " has no such field", e);
        }
    }
}
