package tcpsim.hash;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import java.util.HashMap;
import java.util.function.Function;
import tcpsim.host.NetNs;
import tcpsim.net.Inject;
import tcpsim.net.ipv4.BindOwner;
import tcpsim.net.ipv4.Errno;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetConnectionSock;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.InetHashtables.InetBindBucket;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.runtime.Locks;
import tcpsim.runtime.Receives;

/**
 * One bhash bucket lock (spin_lock_bh(&head->lock)) and the inet_bind_buckets of the ports hashed to
 * it. connect()'s port check runs here with the lock held, and takes the ehash bucket lock inside
 * (__inet_check_established): while that reply is outstanding this bucket stashes everything else,
 * so the lock order is the kernel's, bhash then ehash. The buckets are plain values; what happens to
 * them is net/ipv4's (inet_csk_get_port, __inet_hash_connect, inet_put_port).
 */
public final class BindBucketActor extends AbstractBehavior<BindBucketActor.Command> {
    public sealed interface Command {}

    /**
     * net/ipv4/inet_hashtables.c: __inet_hash_connect, the body for one candidate port: skip a bucket
     * made by bind(); else the 4-tuple must be unique (__inet_check_established), or the port is new.
     * On success the socket is an owner and is in ehash. Replies {@code ok}.
     */
    public record ConnectPort<M>(int port, FourTuple tuple, EhashEntry entry, BindOwner owner, ActorRef<M> replyTo,
                                 Function<Boolean, M> reply) implements Command {}

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_get_port for an explicit port, from bind(), or from
     * inet_csk_listen_start re-validating a bound socket now in LISTEN. Replies an errno or null.
     */
    public record GetPort<M>(int port, BindOwner owner, ActorRef<M> replyTo, Function<Errno, M> reply)
        implements Command {}

    /** net/ipv4/inet_hashtables.c: inet_put_port — the socket leaves; an empty bucket is freed. */
    public record PutPort(int port, TcpSock sk) implements Command {}

    private record Checked(boolean unique) implements Command {}

    /** The ehash answer reaching a bucket that did not wait for it (BHASH_RELEASED_BEFORE_EHASH_CHECK). */
    private record CheckedLate(ConnectPort<?> m, boolean unique) implements Command {}

    private final NetNs ns;
    private final StashBuffer<Command> stash;
    private final HashMap<Integer, InetBindBucket> bhash = new HashMap<>();

    /**
     * A spinlock has no queue limit: however many connect()s spin on the head lock, each gets it in
     * turn (10,000 blocking connect()s from one host, all at once, queue well over a thousand here).
     */
    static final int STASH_CAPACITY = Integer.MAX_VALUE;

    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> Behaviors.withStash(STASH_CAPACITY, stash -> new BindBucketActor(ctx, ns, stash)));
    }

    private BindBucketActor(ActorContext<Command> ctx, NetNs ns, StashBuffer<Command> stash) {
        super(ctx);
        this.ns = ns;
        this.stash = stash;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof ConnectPort<?> c) return connectPort(c);
            if (m instanceof GetPort<?> g) return getPort(g);
            if (m instanceof PutPort p) return onPutPort(p);
            if (m instanceof CheckedLate c) return onCheckedLate(c);
            return Behaviors.unhandled();
        });
    }

    private <M> Behavior<Command> connectPort(ConnectPort<M> m) {
        InetBindBucket tb = bhash.get(m.port());
        if (!InetHashtables.inetHashConnectMayUse(tb)) {
            m.replyTo().tell(m.reply().apply(false)); // next_port
            return this;
        }
        if (tb != null && ns.net.injected(Inject.CHECK_ESTABLISHED_UNLOCKED)) {
            // Inject: __inet_check_established checks the 4-tuple without the ehash lock and inserts it later (kernel-reference 12.2 item 5)
            boolean unique = InetHashtables.inetCheckEstablishedUnique(ns.ehash, m.tuple());
            if (unique) {
                ns.toEhash(m.tuple(), new EhashBucketActor.InsertUnchecked(m.tuple(), m.entry()));
                InetHashtables.inetHashConnectBind(bhash, m.port(), m.owner());
            }
            m.replyTo().tell(m.reply().apply(unique));
            return this;
        }
        if (ns.net.injected(Inject.BHASH_RELEASED_BEFORE_EHASH_CHECK)) {
            // Inject: the bhash bucket lock is dropped before __inet_check_established answers (kernel-reference 12.2 item 5)
            ns.toEhash(m.tuple(), new EhashBucketActor.Insert<>(m.tuple(), m.entry(), tb != null,
                getContext().getSelf(), unique -> new CheckedLate(m, unique)));
            return this;
        }
        // Head lock held: take the ehash lock (check_established, or inet_ehash_nolisten for a new port).
        ns.toEhash(m.tuple(), new EhashBucketActor.Insert<>(m.tuple(), m.entry(), tb != null,
            getContext().getSelf(), Checked::new));
        return Locks.await(stash, Checked.class, c -> {
            if (c.unique()) InetHashtables.inetHashConnectBind(bhash, m.port(), m.owner());
            m.replyTo().tell(m.reply().apply(c.unique()));
            return Locks.release(stash, this);
        });
    }

    /** __inet_hash_connect's "ok:" with the lock taken again: the socket joins whatever bucket the port has now. */
    private <M> Behavior<Command> onCheckedLate(CheckedLate c) {
        @SuppressWarnings("unchecked") ConnectPort<M> m = (ConnectPort<M>) c.m();
        if (c.unique()) InetHashtables.inetHashConnectBind(bhash, m.port(), m.owner());
        m.replyTo().tell(m.reply().apply(c.unique()));
        return this;
    }

    private <M> Behavior<Command> getPort(GetPort<M> m) {
        m.replyTo().tell(m.reply().apply(InetConnectionSock.inetCskGetPort(bhash, m.port(), m.owner())));
        return this;
    }

    private Behavior<Command> onPutPort(PutPort m) {
        InetHashtables.inetPutPort(bhash, m.port(), m.sk());
        return this;
    }
}
