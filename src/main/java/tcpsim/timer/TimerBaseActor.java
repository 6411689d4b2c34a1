package tcpsim.timer;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.PriorityQueue;
import tcpsim.runtime.Clock;
import tcpsim.runtime.ModelChoices;
import tcpsim.runtime.Receives;
import tcpsim.runtime.TimerList;

/**
 * A host's timer base (kernel/time/timer.c: struct timer_base): every timer_list of the host's
 * sockets and request socks is armed here. The mailbox is the base's lock: mod_timer, del_timer and
 * expiry are serialized by it, and an expiry already on its way to the owner when del_timer comes
 * in is the kernel's "timer fired while being deleted" race, which the owner resolves with the
 * generation it gets. Pending timers cost an entry each; idle sockets cost nothing here.
 */
public final class TimerBaseActor extends AbstractBehavior<TimerBaseActor.Command> {
    public sealed interface Command {}

    /** kernel/time/timer.c: mod_timer. Replaces a pending expiry of the same timer. */
    public record ModTimer<M>(TimerList timer, long expiresNanos, ActorRef<M> target, M message) implements Command {}

    /** kernel/time/timer.c: del_timer. */
    public record DelTimer(TimerList timer) implements Command {}

    private enum Tick implements Command { INSTANCE }

    private static final class Entry implements Comparable<Entry> {
        final TimerList timer;
        final long expires;
        final long seq;
        final ActorRef<Object> target;
        final Object message;

        Entry(TimerList timer, long expires, long seq, ActorRef<Object> target, Object message) {
            this.timer = timer;
            this.expires = expires;
            this.seq = seq;
            this.target = target;
            this.message = message;
        }

        @Override public int compareTo(Entry o) {
            int c = Long.compare(expires, o.expires);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final TimerScheduler<Command> timers;
    private final Clock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private final IdentityHashMap<TimerList, Entry> live = new IdentityHashMap<>();
    private long seq;
    private long armedFor = Long.MAX_VALUE;
    private final ModelChoices choices;
    private final long jitterNanos;

    /** The name of a jitter choice, as the chooser sees it. */
    public static final String JITTER = "timer-jitter";

    public static Behavior<Command> create(Clock clock) {
        return create(clock, ModelChoices.NONE, 0);
    }

    /**
     * A base whose expiries an explorer may move up to {@code jitterNanos} early or late (a choice per
     * mod_timer: on time, early or late by the bound or half of it). No jitter outside exploration.
     */
    public static Behavior<Command> create(Clock clock, ModelChoices choices, long jitterNanos) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new TimerBaseActor(ctx, t, clock, choices, jitterNanos)));
    }

    private TimerBaseActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Clock clock, ModelChoices choices,
                           long jitterNanos) {
        super(ctx);
        this.timers = timers;
        this.clock = clock;
        this.choices = choices;
        this.jitterNanos = choices == ModelChoices.NONE ? 0 : jitterNanos;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof ModTimer t) return onModTimer(t);
            if (m instanceof DelTimer t) return onDelTimer(t);
            if (m == Tick.INSTANCE) return onTick();
            return Behaviors.unhandled();
        });
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onModTimer(ModTimer<?> m) {
        Entry e = new Entry(m.timer(), jittered(m.expiresNanos()), seq++, (ActorRef<Object>) m.target(), m.message());
        live.put(m.timer(), e);
        queue.add(e);
        rearm();
        return this;
    }

    /** Option 0 on time; 1..4: −J, −J/2, +J/2, +J; never before now. */
    private long jittered(long expires) {
        if (jitterNanos == 0) return expires;
        long d = switch (choices.choose(JITTER, 5)) {
            case 1 -> -jitterNanos;
            case 2 -> -jitterNanos / 2;
            case 3 -> jitterNanos / 2;
            case 4 -> jitterNanos;
            default -> 0;
        };
        return Math.max(clock.nanos(), expires + d);
    }

    private Behavior<Command> onDelTimer(DelTimer m) {
        if (live.remove(m.timer()) != null) rearm(); // an idle base must not tick
        return this;
    }

    private Behavior<Command> onTick() {
        armedFor = Long.MAX_VALUE;
        long now = clock.nanos();
        Entry e;
        while ((e = queue.peek()) != null && e.expires <= now) {
            queue.poll();
            if (live.get(e.timer) != e) continue; // deleted or re-armed since
            live.remove(e.timer);
            e.timer.detached = true; // running: timer_pending() is false from here (expire_timers' detach_timer)
            e.target.tell(e.message);
        }
        rearm();
        return this;
    }

    private void rearm() {
        Entry e;
        while ((e = queue.peek()) != null && live.get(e.timer) != e) queue.poll();
        if (e == null) {
            if (armedFor != Long.MAX_VALUE) {
                timers.cancel(Tick.INSTANCE);
                armedFor = Long.MAX_VALUE;
            }
            return;
        }
        if (e.expires == armedFor) return;
        armedFor = e.expires;
        timers.startSingleTimer(Tick.INSTANCE, Tick.INSTANCE, Duration.ofNanos(Math.max(0, e.expires - clock.nanos())));
    }
}
