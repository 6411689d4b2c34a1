package tcpsim.hash;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.util.function.Function;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.net.Inject;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.runtime.Receives;

/**
 * One ehash lock (inet_ehash_lockp): every write to the established table for the tuples hashed to
 * it passes this mailbox, so 4-tuple uniqueness checks, request→child swaps and inserts are atomic
 * as under the kernel's bucket spinlock. Readers do not come here (RCU).
 */
public final class EhashBucketActor extends AbstractBehavior<EhashBucketActor.Command> {
    public sealed interface Command {}

    /**
     * net/ipv4/inet_hashtables.c: inet_ehash_insert, or with {@code checkUnique} the insert at the end of
     * __inet_check_established. Replies whether the entry went in.
     */
    public record Insert<M>(FourTuple tuple, EhashEntry entry, boolean checkUnique, ActorRef<M> replyTo,
                            Function<Boolean, M> reply) implements Command {}

    /**
     * net/ipv4/inet_hashtables.c: inet_ehash_nolisten(child, req) — replace {@code old} by {@code replacement}
     * only if {@code old} is still there: the CPU that removes the request owns it (own_req).
     */
    public record Swap<M>(FourTuple tuple, EhashEntry old, EhashEntry replacement, ActorRef<M> replyTo,
                          Function<Boolean, M> reply) implements Command {}

    /**
     * The insert half of a __inet_check_established split in two (Inject.CHECK_ESTABLISHED_UNLOCKED):
     * the 4-tuple was found free without this lock, and goes in now without being checked again.
     */
    public record InsertUnchecked(FourTuple tuple, EhashEntry entry) implements Command {}

    /** net/ipv4/inet_hashtables.c: inet_unhash / sk_nulls_del_node_init_rcu — only if still {@code entry}. */
    public record Remove(FourTuple tuple, EhashEntry entry, Skb thenLookUp) implements Command {
        public Remove(FourTuple tuple, EhashEntry entry) {
            this(tuple, entry, null);
        }
    }

    private final NetNs ns;

    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> new EhashBucketActor(ctx, ns));
    }

    private EhashBucketActor(ActorContext<Command> ctx, NetNs ns) {
        super(ctx);
        this.ns = ns;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof Insert<?> i) return insert(i);
            if (m instanceof Swap<?> s) return swap(s);
            if (m instanceof Remove r) return onRemove(r);
            if (m instanceof InsertUnchecked i) {
                ns.ehash.put(i.tuple(), i.entry());
                return this;
            }
            return Behaviors.unhandled();
        });
    }

    private <M> Behavior<Command> insert(Insert<M> m) {
        boolean ok;
        if (m.checkUnique()) {
            ok = InetHashtables.inetCheckEstablishedUnique(ns.ehash, m.tuple());
            if (ok) ns.ehash.put(m.tuple(), m.entry());
        } else {
            // inet_ehash_insert with found_dup_sk: a request for a tuple already present is refused
            ok = ns.ehash.putIfAbsent(m.tuple(), m.entry()) == null;
        }
        m.replyTo().tell(m.reply().apply(ok));
        return this;
    }

    private <M> Behavior<Command> swap(Swap<M> m) {
        boolean own = ns.ehash.replace(m.tuple(), m.old(), m.replacement());
        if (!own && ns.net.injected(Inject.EHASH_INSERT_NO_OWN_REQ)) {
            // Inject: inet_ehash_insert(child, req) without own_req / found_dup_sk: the child goes in anyway (kernel-reference 12.2 item 4)
            ns.ehash.put(m.tuple(), m.replacement());
            own = true;
        }
        m.replyTo().tell(m.reply().apply(own));
        return this;
    }

    /**
     * With {@code thenLookUp}, the segment that found a dead request is handed back to the receive
     * path only once the request is out of the table ("drop, then goto lookup" in tcp_v4_rcv), so the
     * new lookup cannot find it again whatever the schedule.
     */
    private Behavior<Command> onRemove(Remove m) {
        ns.ehash.remove(m.tuple(), m.entry());
        if (m.thenLookUp() != null) ns.host().tell(new HostActor.Lookup(m.thenLookUp()));
        return this;
    }
}
