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
import java.util.Random;
import tcpsim.host.HostActor;
import tcpsim.net.Packet;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Trace;

/**
 * The wire between hosts: a fixed one-way delay and seeded loss. Packets keep their order (one delay
 * for all), so one timer for the head of the line serves every packet in flight.
 */
public final class LinkActor extends AbstractBehavior<LinkActor.Command> {
    public sealed interface Command {}

    public record Transmit(Packet packet) implements Command {}

    private enum Deliver implements Command { INSTANCE }

    private record InFlight(long at, ActorRef<HostActor.Command> to, Packet packet) {}

    private final Map<Integer, ActorRef<HostActor.Command>> hosts;
    private final long delayNanos;
    private final double loss;
    private final Random random;
    private final Clock clock;
    private final Trace trace;
    private final WireTap tap;
    private final String name;
    private final TimerScheduler<Command> timers;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

    public static Behavior<Command> create(String name, Map<Integer, ActorRef<HostActor.Command>> hostsByAddr,
                                           long delayNanos, double loss, long seed, Clock clock, Trace trace, WireTap tap) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t ->
            new LinkActor(ctx, t, name, hostsByAddr, delayNanos, loss, seed, clock, trace, tap)));
    }

    private LinkActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, String name,
                      Map<Integer, ActorRef<HostActor.Command>> hosts, long delayNanos, double loss, long seed,
                      Clock clock, Trace trace, WireTap tap) {
        super(ctx);
        this.timers = timers;
        this.name = name;
        this.hosts = Map.copyOf(hosts);
        this.delayNanos = delayNanos;
        this.loss = loss;
        this.random = new Random(seed);
        this.clock = clock;
        this.trace = trace;
        this.tap = tap;
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
        // the loss draw happens for every packet, so a seed fixes which ones are lost
        boolean lost = loss > 0 && random.nextDouble() < loss;
        if (trace.on()) trace.event(lost ? "lost" : "wire", name, p.toString());
        tap.tap(now, p);
        ActorRef<HostActor.Command> to = hosts.get(p.daddr());
        if (lost || to == null) return this;
        if (delayNanos == 0) {
            to.tell(new HostActor.Rx(p));
            return this;
        }
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
