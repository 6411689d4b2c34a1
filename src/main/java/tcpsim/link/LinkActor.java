package tcpsim.link;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import tcpsim.host.HostActor;
import tcpsim.net.Packet;
import tcpsim.runtime.Clock;

/**
 * The wire between hosts, for a link with a one-way delay (a zero-delay link needs no actor: see
 * {@link tcpsim.host.NetNs#route}). Packets keep their order (one delay for all), so one timer for the
 * head of the line serves every packet in flight.
 */
public final class LinkActor extends AbstractBehavior<LinkActor.Command> {
    public sealed interface Command {}

    public record Transmit(Packet packet) implements Command {}

    private enum Deliver implements Command { INSTANCE }

    private record InFlight(long at, ActorRef<HostActor.Command> to, Packet packet) {}

    private final Map<Integer, ActorRef<HostActor.Command>> hosts;
    private final long delayNanos;
    private final Wire wire;
    private final Clock clock;
    private final TimerScheduler<Command> timers;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

    public static Behavior<Command> create(Wire wire, Map<Integer, ActorRef<HostActor.Command>> hostsByAddr,
                                           long delayNanos, Clock clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new LinkActor(ctx, t, wire, hostsByAddr, delayNanos, clock)));
    }

    private LinkActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Wire wire,
                      Map<Integer, ActorRef<HostActor.Command>> hosts, long delayNanos, Clock clock) {
        super(ctx);
        this.timers = timers;
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
        boolean idle = inFlight.isEmpty();
        inFlight.addLast(new InFlight(now + delayNanos, to, p));
        if (idle) timers.startSingleTimer(Deliver.INSTANCE, Duration.ofNanos(delayNanos));
        return this;
    }

    private Behavior<Command> onDeliver() {
        long now = clock.nanos();
        InFlight f;
        while ((f = inFlight.peekFirst()) != null && f.at() <= now) {
            inFlight.pollFirst();
            f.to().tell(new HostActor.Rx(f.packet()));
        }
        if (f != null) timers.startSingleTimer(Deliver.INSTANCE, Duration.ofNanos(f.at() - now));
        return this;
    }
}
