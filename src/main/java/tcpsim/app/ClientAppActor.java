package tcpsim.app;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import tcpsim.host.NetNs;
import tcpsim.host.SlabActor;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Receives;
import tcpsim.sock.SocketActor;

/**
 * A client process opening {@code count} connections: socket(), setsockopt(), connect(), each on its
 * own socket. The i-th starts at start + i × every; with {@code maxInFlight} it also waits until fewer
 * than that many connects are pending (1 = one after another).
 *
 * <p>Blocking (the default) is a thread per connection, each asleep in connect(). Non-blocking is
 * one thread with many connections, as an event loop runs them: socket(SOCK_NONBLOCK), connect()
 * returns EINPROGRESS once the SYN is out, the next connect() follows, and poll(POLLOUT) +
 * getsockopt(SO_ERROR) tell how each handshake ended. Its connect() calls, and so their port
 * searches, never overlap.
 */
public final class ClientAppActor extends AbstractBehavior<ClientAppActor.Command> {
    public sealed interface Command permits Replied, Tick {}

    /** A system call returned (the socket's reply, adapted). */
    record Replied(SocketActor.Reply reply) implements Command {}

    /** Time to start the next connection(s). */
    enum Tick implements Command { INSTANCE }

    public record Params(String name, long startNanos, int daddr, int dport, int count, long everyNanos,
                         int maxInFlight, boolean reuseaddr, boolean reuseport, boolean nonblocking) {
        public Params(String name, long startNanos, int daddr, int dport, int count, long everyNanos,
                      int maxInFlight, boolean reuseaddr, boolean reuseport) {
            this(name, startNanos, daddr, dport, count, everyNanos, maxInFlight, reuseaddr, reuseport, false);
        }
    }

    private final Params p;
    private final NetNs ns;
    private final RunStats stats;
    /** Where the sockets answer: their replies, adapted into this process's protocol. */
    private final ActorRef<SocketActor.Reply> replies;
    private final Clock clock;
    private final TimerScheduler<Command> timers;
    /** Sockets created but not yet connecting, by index (replies to socket() come back in order). */
    private final ArrayDeque<Integer> awaitingSocket = new ArrayDeque<>();
    private final Map<Integer, Long> started = new HashMap<>();
    private final Map<ActorRef<SocketActor.Command>, Integer> indexOf = new HashMap<>();
    private int next;
    private int inFlight;
    private int finished;
    private boolean tickDue;
    /** Non-blocking: a connect() is being made (its socket() or connect() has not returned yet). */
    private boolean calling;

    public static Behavior<Command> create(Params p, NetNs ns, RunStats stats, Clock clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new ClientAppActor(ctx, t, p, ns, stats, clock)));
    }

    private ClientAppActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, Params p,
                           NetNs ns, RunStats stats, Clock clock) {
        super(ctx);
        this.replies = ctx.messageAdapter(SocketActor.Reply.class, Replied::new);
        this.p = p;
        this.ns = ns;
        this.stats = stats;
        this.clock = clock;
        this.timers = timers;
        stats.appStarted();
        if (p.startNanos() > 0) timers.startSingleTimer(Tick.INSTANCE, Duration.ofNanos(p.startNanos()));
        else ctx.getSelf().tell(Tick.INSTANCE);
        tickDue = true;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof Replied r) return onReply(r.reply());
            if (m == Tick.INSTANCE) return onTick();
            return Behaviors.unhandled();
        });
    }

    private boolean mayStart() {
        return next < p.count() && (p.maxInFlight() <= 0 || inFlight < p.maxInFlight()) && !calling;
    }

    private Behavior<Command> onTick() {
        tickDue = false;
        // with every = 0 all connections start now, within the in-flight limit
        do {
            if (!mayStart()) break;
            startOne();
        } while (p.everyNanos() == 0);
        scheduleNext();
        return this;
    }

    private void scheduleNext() {
        if (tickDue || next >= p.count() || !mayStart() && p.everyNanos() == 0) return;
        long due = p.startNanos() + next * p.everyNanos();
        long delay = Math.max(0, due - clock.nanos());
        tickDue = true;
        timers.startSingleTimer(Tick.INSTANCE, Duration.ofNanos(delay));
    }

    private void startOne() {
        int i = next++;
        inFlight++;
        started.put(i, clock.nanos());
        awaitingSocket.add(i);
        if (p.nonblocking()) calling = true; // one thread: the next call waits for this one to return
        ns.slab().tell(new SlabActor.SocketCall(p.nonblocking(), replies));
    }

    private Behavior<Command> onReply(SocketActor.Reply r) {
        return switch (r.call()) {
            case "socket" -> onSocket(r);
            case "connect" -> p.nonblocking() ? onConnectReturned(r) : onConnected(r);
            case "poll" -> onConnected(r);
            default -> this; // setsockopt
        };
    }

    private Behavior<Command> onSocket(SocketActor.Reply r) {
        int i = awaitingSocket.pollFirst();
        ActorRef<SocketActor.Command> sock = r.sock();
        indexOf.put(sock, i);
                if (p.reuseaddr()) sock.tell(new SocketActor.SetOption(SocketActor.Option.SO_REUSEADDR, 1, replies));
        if (p.reuseport()) sock.tell(new SocketActor.SetOption(SocketActor.Option.SO_REUSEPORT, 1, replies));
        sock.tell(new SocketActor.Connect(p.daddr(), p.dport(), replies));
        return this;
    }

    /** Non-blocking connect() returned: EINPROGRESS (SYN sent) means poll for the result. */
    private Behavior<Command> onConnectReturned(SocketActor.Reply r) {
        calling = false;
        if (r.errno() == tcpsim.net.ipv4.Errno.EINPROGRESS) {
            r.sock().tell(new SocketActor.AwaitConnect(replies));
        } else {
            onConnected(r);
        }
        if (mayStart()) {
            if (p.everyNanos() == 0) onTick();
            else scheduleNext();
        }
        return this;
    }

    private Behavior<Command> onConnected(SocketActor.Reply r) {
        inFlight--;
        finished++;
        int index = indexOf.remove(r.sock());
        stats.outcome(p.name(), index, started.remove(index), clock.nanos(), r.failed() ? r.errno().name() : "connected");
        if (finished == p.count()) {
            stats.appFinished();
            return this;
        }
        if (p.everyNanos() == 0) onTick();
        else scheduleNext();
        return this;
    }
}
