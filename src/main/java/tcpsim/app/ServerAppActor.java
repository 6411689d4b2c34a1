package tcpsim.app;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tcpsim.host.NetNs;
import tcpsim.host.SlabActor;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Receives;
import tcpsim.sock.SocketActor;

/**
 * A server process: socket(), setsockopt(), bind(), listen(backlog), then accept() in a loop. Each
 * call is a request to the socket's actor and the process waits for the reply, as a blocked thread.
 * It may close() its listener at a time (from a second thread, while accept() may be blocked) or once
 * its accept() calls are done.
 */
public final class ServerAppActor extends AbstractBehavior<ServerAppActor.Command> {
    public sealed interface Command permits Replied, Start, CloseListener {}

    /** A system call returned (the socket's reply, adapted). */
    record Replied(SocketActor.Reply reply) implements Command {}

    enum Start implements Command { INSTANCE }

    /** Time to close() the listener. */
    enum CloseListener implements Command { INSTANCE }

    /**
     * What the server does; {@code accept} = Integer.MAX_VALUE keeps accepting. The listener is
     * closed at {@code closeListenerAtNanos} (-1: not at a time), or after the accepts if
     * {@code closeListenerAfterAccepts}.
     */
    public record Params(String name, long startNanos, int address, int port, int backlog, boolean reuseaddr,
                         boolean reuseport, int accept, long closeListenerAtNanos, boolean closeListenerAfterAccepts) {
        public Params(String name, long startNanos, int address, int port, int backlog, boolean reuseaddr,
                      boolean reuseport, int accept) {
            this(name, startNanos, address, port, backlog, reuseaddr, reuseport, accept, -1, false);
        }
    }

    private final Params p;
    private final NetNs ns;
    private final RunStats stats;
    /** Where the sockets answer: their replies, adapted into this process's protocol. */
    private final ActorRef<SocketActor.Reply> replies;
    private final Clock clock;
    private ActorRef<SocketActor.Command> listener;
    private final List<ActorRef<SocketActor.Command>> accepted = new ArrayList<>();
    private int step;
    private long acceptStarted;
    private boolean listenerClosed;

    public static Behavior<Command> create(Params p, NetNs ns, RunStats stats, Clock clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new ServerAppActor(ctx, t, p, ns, stats, clock)));
    }

    private ServerAppActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Params p,
                           NetNs ns, RunStats stats, Clock clock) {
        super(ctx);
        this.replies = ctx.messageAdapter(SocketActor.Reply.class, Replied::new);
        this.p = p;
        this.ns = ns;
        this.stats = stats;
        this.clock = clock;
        if (p.accept() != Integer.MAX_VALUE) stats.appStarted();
        if (p.startNanos() > 0) timers.startSingleTimer(Start.INSTANCE, Duration.ofNanos(p.startNanos()));
        else ctx.getSelf().tell(Start.INSTANCE);
        if (p.closeListenerAtNanos() >= 0) {
            timers.startSingleTimer(CloseListener.INSTANCE, Duration.ofNanos(Math.max(0, p.closeListenerAtNanos() - clock.nanos())));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof Replied r) return onReply(r.reply());
            if (m == Start.INSTANCE) {
                ns.slab().tell(new SlabActor.SocketCall(self()));
                return this;
            }
            if (m == CloseListener.INSTANCE) return closeListener();
            return Behaviors.unhandled();
        });
    }

    private ActorRef<SocketActor.Reply> self() {
        return replies;
    }

    private Behavior<Command> onReply(SocketActor.Reply r) {
        switch (r.call()) {
            case "socket" -> {
                listener = r.sock();
                listener.tell(new SocketActor.SetOption(SocketActor.Option.SO_REUSEADDR, p.reuseaddr() ? 1 : 0, self()));
            }
            case "setsockopt" -> {
                if (step++ == 0) listener.tell(new SocketActor.SetOption(SocketActor.Option.SO_REUSEPORT, p.reuseport() ? 1 : 0, self()));
                else listener.tell(new SocketActor.Bind(p.address(), p.port(), self()));
            }
            case "bind" -> {
                if (r.failed()) return fail("bind", r);
                listener.tell(new SocketActor.Listen(p.backlog(), self()));
            }
            case "listen" -> {
                if (r.failed()) return fail("listen", r);
                acceptNext();
            }
            case "accept" -> {
                stats.outcome(p.name(), accepted.size(), acceptStarted, clock.nanos(),
                    r.failed() ? r.errno().name() : "accepted");
                if (r.failed()) return finish();
                accepted.add(r.sock());
                acceptNext();
            }
            default -> { }
        }
        return this;
    }

    /** close(listener): a no-op before it exists, or once it is closed. */
    private Behavior<Command> closeListener() {
        if (listener != null && !listenerClosed) {
            listenerClosed = true;
            listener.tell(new SocketActor.Close(self()));
        }
        return this;
    }

    private void acceptNext() {
        if (accepted.size() >= p.accept()) {
            if (p.closeListenerAfterAccepts()) closeListener();
            finish();
            return;
        }
        acceptStarted = clock.nanos();
        listener.tell(new SocketActor.Accept(self()));
    }

    private Behavior<Command> fail(String call, SocketActor.Reply r) {
        stats.outcome(p.name(), 0, clock.nanos(), clock.nanos(), call + " " + r.errno().name());
        return finish();
    }

    private Behavior<Command> finish() {
        if (p.accept() != Integer.MAX_VALUE) stats.appFinished();
        return this;
    }
}
