package tcpsim.sock;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import tcpsim.hash.EhashBucketActor;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.host.SlabActor;
import tcpsim.net.Net;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.Effects;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetConnectionSock;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpMinisocks;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Receives;
import tcpsim.runtime.TimerList;

/**
 * A request sock (NEW_SYN_RECV): made by tcp_conn_request, it lives in ehash with its own SYN-ACK
 * timer (rsk_timer), which is what its mailbox serializes. The final ACK is checked here
 * (tcp_check_req); the child it yields is made by a slab and must win the ehash swap.
 *
 * <p>The actor outlives the request: like the kernel's request_sock_TCP cache, which is
 * SLAB_TYPESAFE_BY_RCU, a freed one goes back to the namespace's cache and is handed the next SYN
 * (one spawn and one stop fewer per connection). So everything that reaches it names the request it
 * meant, and a segment for another one is looked up again, as tcp_v4_rcv does when inet_match fails
 * after it took its reference.
 */
public final class RequestSockActor extends AbstractBehavior<RequestSockActor.Command> {
    public sealed interface Command {}

    /** include/net/request_sock.h: reqsk_alloc — this actor now holds {@code req}, for {@code listener}. */
    public record Alloc(RequestSock req, ListenerEntry listener) implements Command {}

    public record SegmentArrived(Skb skb) implements Command {}

    /** The winning child has replaced {@code req} in ehash and taken it off the SYN queue: it is done. */
    public record Owned(RequestSock req) implements Command {}

    /**
     * As {@link Owned}, but the child's reqsk_queue_unlink found the timer not pending and left it
     * running (Inject.REQSK_UNLINK_TIMER_PENDING): the request is freed without stopping its timer.
     */
    public record OwnedTimerRunning(RequestSock req) implements Command {}

    record Hashed(boolean ok, RequestSock req) implements Command {}
    record TimerFired(TimerList timer, int generation) implements Command {}

    private final NetNs ns;
    private final Net net;
    /** The request held now; null while this actor waits in the cache. */
    private RequestSock req;
    private ListenerEntry listener;
    /**
     * The request this object last held, until it is allocated again: what a handler that still runs
     * on freed memory would see. Only Inject.REQSK_UNLINK_TIMER_PENDING lets an expiry reach it.
     */
    private RequestSock freed;
    private ListenerEntry freedListener;

    /** An empty object of the cache: it gets its request with {@link Alloc}. */
    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> new RequestSockActor(ctx, ns));
    }

    private RequestSockActor(ActorContext<Command> ctx, NetNs ns) {
        super(ctx);
        this.ns = ns;
        this.net = ns.net;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof SegmentArrived seg) return onSegment(seg);
            if (m instanceof Alloc a) return onAlloc(a);
            if (m instanceof Hashed h) return h.req() == req ? onHashed(h) : this;
            if (m instanceof TimerFired t) {
                if (req != null && t.timer() == req.rskTimer) return onTimer(t);
                // a live expiry of a freed request: its unlink did not stop the timer
                if (freed != null && t.timer() == freed.rskTimer && t.timer().current(t.generation())) return onTimerAfterFree(t);
                return this;
            }
            if (m instanceof Owned o) return o.req() == req ? onOwned() : this;
            if (m instanceof OwnedTimerRunning o) return o.req() == req ? reqskFree() : this;
            return Behaviors.unhandled();
        });
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_hash_add — hash the request into ehash, then
     * (tcp_conn_request) send its SYN-ACK and arm its timer. The SYN queue already counts it.
     */
    private Behavior<Command> onAlloc(Alloc m) {
        RequestSock r = m.req();
        req = r;
        listener = m.listener();
        freed = null;
        freedListener = null;
        ns.toEhash(r.tuple, new EhashBucketActor.Insert<>(r.tuple, new ReqEntry(getContext().getSelf(), r), false,
            getContext().getSelf(), ok -> new Hashed(ok, r)));
        return this;
    }

    /** include/net/request_sock.h: reqsk_free — back to the namespace's cache. */
    private Behavior<Command> reqskFree() {
        freed = req;
        freedListener = listener;
        req = null;
        listener = null;
        ns.reqskFree(getContext().getSelf());
        return this;
    }

    /** Performs what a kernel call returned, in order. */
    private Behavior<Command> perform(Effects fx, Skb skb) {
        for (Effects.Effect e : fx.list()) {
            if (Perform.common(ns, e, getContext().getSelf(), TimerFired::new)) continue;
            if (e instanceof Effects.ReqskDrop) {
                return dropAndFree(null);
            } else if (e instanceof Effects.NewChild c) {
                ns.slab().tell(new SlabActor.CloneChild(c.child(), skb, req, getContext().getSelf(), listener));
            } else {
                throw Perform.misplaced(e, "request sock");
            }
        }
        return this;
    }

    private Behavior<Command> onHashed(Hashed m) {
        if (!m.ok()) {
            // another CPU hashed the same 4-tuple first: free this one silently
            listener.queue().reqskQueueRemoved(req);
            return reqskFree();
        }
        return perform(InetConnectionSock.inetCskReqskQueueHashAdd(net, req), null);
    }

    /** net/ipv4/tcp_ipv4.c: tcp_v4_rcv for a NEW_SYN_RECV hit: tcp_check_req against our listener. */
    private Behavior<Command> onSegment(SegmentArrived m) {
        Skb skb = m.skb();
        if (req == null || !req.tuple.equals(FourTuple.ofIncoming(skb))) {
            // freed, or already another request (the lookup raced reqsk_free): inet_match fails, goto lookup
            ns.host().tell(new HostActor.Lookup(skb));
            return this;
        }
        if (listener.sk().skState != TcpState.LISTEN) {
            // the listener is gone (no reuseport migration modelled): inet_csk_reqsk_queue_drop_and_put,
            // then "goto lookup" — the bucket re-injects the segment once we are out of ehash
            return dropAndFree(skb);
        }
        return perform(TcpMinisocks.tcpCheckReq(net, req, skb, new TcpMinisocks.ListenerState(listener.sk(), listener.queue())),
            skb);
    }

    /** net/ipv4/inet_connection_sock.c: reqsk_timer_handler */
    private Behavior<Command> onTimer(TimerFired m) {
        if (!m.timer().current(m.generation())) return this;
        m.timer().pending = false;
        if (listener.sk().skState != TcpState.LISTEN) {
            return dropAndFree(null);
        }
        return perform(InetConnectionSock.reqskTimerHandler(net, req, listener.queue(), listener.sk().skMaxAckBacklog,
            listener.synackRetries()), null);
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_drop — out of ehash and the SYN queue — then
     * reqsk_free. With {@code thenLookUp}, the receive path looks that segment up again once the
     * request is out of ehash.
     */
    private Behavior<Command> dropAndFree(Skb thenLookUp) {
        for (Effects.Effect e : InetConnectionSock.inetCskReqskQueueDrop(net, req, listener.queue()).list()) {
            if (Perform.common(ns, e, getContext().getSelf(), TimerFired::new)) continue;
            Effects.Unhash u = (Effects.Unhash) e;
            ns.toEhash(u.tuple(), new EhashBucketActor.Remove(u.tuple(), new ReqEntry(getContext().getSelf(), req),
                thenLookUp));
        }
        return reqskFree();
    }

    private Behavior<Command> onOwned() {
        perform(InetConnectionSock.inetCskReqskQueueDropOwned(req), null);
        return reqskFree();
    }

    /**
     * The use-after-free of CVE-2024-50154: reqsk_timer_handler runs on a request already unlinked and
     * freed, because reqsk_queue_unlink found the timer not pending (its handler was on its way) and
     * did not stop it. It is counted ({@link NetNs#reqskTimerAfterFreeCount}) and does what the handler
     * does: retransmits the SYN-ACK of a connection a child already owns and re-arms the timer, until
     * the retries are spent; the drop at the end only forgets it (it is out of every table already).
     */
    private Behavior<Command> onTimerAfterFree(TimerFired m) {
        ns.reqskTimerAfterFree();
        if (net.trace.on()) net.trace.event("note", getContext().getSelf().path().toStringWithoutAddress(),
            "use-after-free: reqsk_timer_handler on a freed request " + freed.tuple);
        m.timer().pending = false;
        RequestSock r = freed;
        ListenerEntry l = freedListener;
        if (l.sk().skState != TcpState.LISTEN) {
            freed = null;
            return this;
        }
        Effects fx = InetConnectionSock.reqskTimerHandler(net, r, l.queue(), l.sk().skMaxAckBacklog, l.synackRetries());
        for (Effects.Effect e : fx.list()) {
            if (Perform.common(ns, e, getContext().getSelf(), TimerFired::new)) continue;
            if (e instanceof Effects.ReqskDrop) freed = null;
        }
        return this;
    }
}
