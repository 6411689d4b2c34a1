package tcpsim.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.Map;
import java.util.PriorityQueue;
import tcpsim.host.HostActor;
import tcpsim.net.Packet;
import tcpsim.runtime.Clock;

/**
 * The wire between hosts, for a link with a one-way delay (a zero-delay link needs no actor: see
 * {@link tcpsim.host.NetNs#route}), or any link of a run an explorer may fault. Packets keep their
 * order (one delay for all) unless a fault delays one, so one timer for the earliest packet in flight
 * serves them all.
 */
public final class LinkActor extends AbstractBehavior<LinkActor.Command> {
    public sealed interface Command {}

    public record Transmit(Packet packet) implements Command {}

    private enum Deliver implements Command { INSTANCE }

    private record InFlight(long at, long seq, ActorRef<HostActor.Command> to, Packet packet) implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Map<Integer, ActorRef<HostActor.Command>> hosts;
    private final long delayNanos;
    private final Wire wire;
    private final Clock clock;
    private final TimerScheduler<Command> timers;
    private final Faults faults;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>();
    private long seq;

    public static Behavior<Command> create(Wire wire, Map<Integer, ActorRef<HostActor.Command>> hostsByAddr,
                                           long delayNanos, Clock clock) {
        return create(wire, hostsByAddr, delayNanos, clock, Faults.NONE);
    }

    /** A link whose segments the explorer may drop, duplicate or delay, within {@code faults}' budget. */
    public static Behavior<Command> create(Wire wire, Map<Integer, ActorRef<HostActor.Command>> hostsByAddr,
                                           long delayNanos, Clock clock, Faults faults) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new LinkActor(ctx, t, wire, hostsByAddr, delayNanos, clock, faults)));
    }

    private LinkActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Wire wire,
                      Map<Integer, ActorRef<HostActor.Command>> hosts, long delayNanos, Clock clock, Faults faults) {
        super(ctx);
        this.timers = timers;
        this.faults = faults;
        this.wire = wire;
        this.hosts = Map.copyOf(hosts);
        this.delayNanos = delayNanos;
        this.clock = clock;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
            .onMessage(Transmit.class, this::onTransmit)
            .onMessageEquals(Deliver.INSTANCE, this::onDeliver)
            .build();
    }

    private Behavior<Command> onTransmit(Transmit m) {
        Packet p = m.packet();
        long now = clock.nanos();
        ActorRef<HostActor.Command> to = hosts.get(p.daddr());
        if (!wire.transmit(p) || to == null) return this;
        Faults.Fault f = faults.next();
        if (f.kind() != Faults.Kind.NONE) wire.faulted(f, p);
        if (f.kind() == Faults.Kind.DROP) return this;
        long at = now + delayNanos + f.extraNanos();
        enqueue(new InFlight(at, seq++, to, p), now);
        if (f.kind() == Faults.Kind.DUPLICATE) enqueue(new InFlight(at, seq++, to, p), now);
        return this;
    }

    /** Without faults a new packet is never due before those in flight: the timer is armed when idle only. */
    private void enqueue(InFlight f, long now) {
        InFlight head = inFlight.peek();
        inFlight.add(f);
        if (head == null || f.at() < head.at()) timers.startSingleTimer(Deliver.INSTANCE, Duration.ofNanos(f.at() - now));
    }

    private Behavior<Command> onDeliver() {
        long now = clock.nanos();
        InFlight f;
        while ((f = inFlight.peek()) != null && f.at() <= now) {
            inFlight.poll();
            f.to().tell(new HostActor.Rx(f.packet()));
        }
        if (f != null) timers.startSingleTimer(Deliver.INSTANCE, Duration.ofNanos(f.at() - now));
        return this;
    }
}
