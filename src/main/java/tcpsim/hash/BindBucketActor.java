package tcpsim.hash;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import tcpsim.host.NetNs;
import tcpsim.net.ipv4.Errno;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.runtime.Locks;
import tcpsim.runtime.Receives;

/**
 * One bhash bucket lock (spin_lock_bh(&head->lock)) and the inet_bind_buckets of the ports hashed to
 * it. connect()'s port check runs here with the lock held, and takes the ehash bucket lock inside
 * (__inet_check_established): while that reply is outstanding this bucket stashes everything else,
 * so the lock order is the kernel's, bhash then ehash.
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
    public record GetPort<M>(int port, BindOwner owner, boolean listening, ActorRef<M> replyTo,
                             Function<Errno, M> reply) implements Command {}

    /** net/ipv4/inet_hashtables.c: inet_put_port — the owner leaves; an empty bucket is freed. */
    public record PutPort(int port, BindOwner owner) implements Command {}

    private record Checked(boolean unique) implements Command {}

    /** struct inet_bind_bucket */
    static final class Tb {
        final int port;
        int fastreuse;      // -1: made by connect(); 0/1: by bind()
        int fastreuseport;
        final List<BindOwner> owners = new ArrayList<>(2);

        Tb(int port, int fastreuse, int fastreuseport) {
            this.port = port;
            this.fastreuse = fastreuse;
            this.fastreuseport = fastreuseport;
        }
    }

    private final NetNs ns;
    private final StashBuffer<Command> stash;
    private final HashMap<Integer, Tb> buckets = new HashMap<>();

    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> Behaviors.withStash(1024, stash -> new BindBucketActor(ctx, ns, stash)));
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
            return Behaviors.unhandled();
        });
    }

    private <M> Behavior<Command> connectPort(ConnectPort<M> m) {
        Tb tb = buckets.get(m.port());
        if (tb != null && (tb.fastreuse >= 0 || tb.fastreuseport >= 0)) {
            m.replyTo().tell(m.reply().apply(false)); // next_port: connect() never shares a bind() bucket
            return this;
        }
        // Head lock held: take the ehash lock (check_established, or inet_ehash_nolisten for a new port).
        ns.ehashLock(m.tuple()).tell(new EhashBucketActor.Insert<>(m.tuple(), m.entry(), tb != null,
            getContext().getSelf(), Checked::new));
        return awaitEhash(m, tb);
    }

    private <M> Behavior<Command> awaitEhash(ConnectPort<M> m, Tb existing) {
        return Locks.await(stash, Checked.class, c -> {
            if (c.unique()) {
                Tb tb = existing != null ? existing : new Tb(m.port(), -1, -1);
                if (existing == null) buckets.put(m.port(), tb);
                tb.owners.add(m.owner()); // inet_bind_hash
            }
            m.replyTo().tell(m.reply().apply(c.unique()));
            return Locks.release(stash, this);
        });
    }

    private <M> Behavior<Command> getPort(GetPort<M> m) {
        m.owner().listen = m.listening();
        Tb tb = buckets.get(m.port());
        if (tb == null) {
            tb = new Tb(m.port(), 0, 0);
            buckets.put(m.port(), tb);
        } else if (!tb.owners.contains(m.owner()) || tb.owners.size() > 1) {
            if (conflict(tb, m.owner())) {
                if (tb.owners.isEmpty()) buckets.remove(m.port());
                m.replyTo().tell(m.reply().apply(Errno.EADDRINUSE));
                return this;
            }
        }
        if (!tb.owners.contains(m.owner())) tb.owners.add(m.owner());
        updateFastreuse(tb);
        m.replyTo().tell(m.reply().apply(null));
        return this;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_bind_conflict with relax and reuseport_ok (an explicit bind or
     * listen): SO_REUSEADDR on both shares the port unless the other listens; SO_REUSEPORT on both
     * shares it (same user assumed); anything else on an overlapping address conflicts.
     */
    private static boolean conflict(Tb tb, BindOwner sk) {
        for (BindOwner sk2 : tb.owners) {
            if (sk2 == sk) continue;
            boolean overlap = sk.addr == 0 || sk2.addr == 0 || sk.addr == sk2.addr;
            if (!overlap) continue;
            if (sk.reuse && sk2.reuse && !sk2.listen) continue;
            if (sk.reuseport && sk2.reuseport) continue;
            return true;
        }
        return false;
    }

    /** net/ipv4/inet_connection_sock.c: inet_csk_update_fastreuse, as flags over all owners. */
    private static void updateFastreuse(Tb tb) {
        if (tb.fastreuse < 0 && tb.fastreuseport < 0) return; // a connect() bucket stays one
        boolean all = true, allPort = true;
        for (BindOwner o : tb.owners) {
            all &= o.reuse && !o.listen;
            allPort &= o.reuseport;
        }
        tb.fastreuse = all ? 1 : 0;
        tb.fastreuseport = allPort ? 1 : 0;
    }

    private Behavior<Command> onPutPort(PutPort m) {
        Tb tb = buckets.get(m.port());
        if (tb != null) {
            tb.owners.remove(m.owner());
            if (tb.owners.isEmpty()) buckets.remove(m.port()); // inet_bind_bucket_destroy
        }
        return this;
    }
}
