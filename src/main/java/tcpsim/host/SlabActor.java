package tcpsim.host;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.runtime.Receives;
import tcpsim.sock.ListenerEntry;
import tcpsim.sock.RequestSockActor;
import tcpsim.sock.SocketActor;

/**
 * One slab of the namespace's "TCP" kmem_cache (tcp_prot.slab): the socket actors allocated from it
 * are its children. Sockets are spread over slabs because Akka keeps a parent's children in an
 * immutable sorted tree: a spawn under 20,000 siblings costs 2.2 µs, under 300 about 1.0 µs
 * (BENCHMARKS.md). The kernel's "TCP" slabs hold 13 objects (/proc/slabinfo objperslab); ours hold
 * {@link #OBJECTS}, since each is an actor. Its mailbox stands for no lock the model races on: sk_alloc serializes nothing visible.
 */
public final class SlabActor extends AbstractBehavior<SlabActor.Command> {
    public sealed interface Command {}

    /**
     * net/socket.c: __sys_socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0) — inet_create's
     * sk_alloc from this slab; replies with the new socket.
     */
    public record SocketCall(boolean nonblock, ActorRef<SocketActor.Reply> replyTo) implements Command {
        public SocketCall(ActorRef<SocketActor.Reply> replyTo) {
            this(false, replyTo);
        }
    }

    /** net/ipv4/tcp_ipv4.c: tcp_v4_syn_recv_sock's inet_csk_clone_lock — the child's actor. */
    public record CloneChild(TcpSock child, Skb skb, RequestSock req, ActorRef<RequestSockActor.Command> reqRef,
                             ListenerEntry listener) implements Command {}

    /** Objects per slab: small enough to keep spawns cheap, large enough that slabs are few. */
    public static final int OBJECTS = 64;

    private final NetNs ns;
    private int allocated;

    static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> new SlabActor(ctx, ns));
    }

    private SlabActor(ActorContext<Command> ctx, NetNs ns) {
        super(ctx);
        this.ns = ns;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof SocketCall c) return onSocket(c);
            if (m instanceof CloneChild c) return onCloneChild(c);
            return Behaviors.unhandled();
        });
    }

    private Behavior<Command> onSocket(SocketCall m) {
        TcpSock sk = new TcpSock();
        sk.nonblock = m.nonblock();
        m.replyTo().tell(SocketActor.Reply.ok("socket", getContext().spawn(SocketActor.create(ns, sk), name())));
        return this;
    }

    private Behavior<Command> onCloneChild(CloneChild m) {
        getContext().spawn(SocketActor.createChild(ns, m.child(), m.skb(), m.req(), m.reqRef(), m.listener()), name());
        return this;
    }

    private String name() {
        return "sock-" + (++allocated);
    }
}
