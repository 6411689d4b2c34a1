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
import tcpsim.net.Skb;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetConnectionSock;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpInput;
import tcpsim.net.ipv4.TcpIpv4;
import tcpsim.net.ipv4.TcpMinisocks;
import tcpsim.net.ipv4.TcpOutput;
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

    record Hashed(boolean ok, RequestSock req) implements Command {}
    record TimerFired(TimerList timer, int generation) implements Command {}

    private final NetNs ns;
    /** The request held now; null while this actor waits in the cache. */
    private RequestSock req;
    private ListenerEntry listener;

    /** An empty object of the cache: it gets its request with {@link Alloc}. */
    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> new RequestSockActor(ctx, ns));
    }

    private RequestSockActor(ActorContext<Command> ctx, NetNs ns) {
        super(ctx);
        this.ns = ns;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof SegmentArrived seg) return onSegment(seg);
            if (m instanceof Alloc a) return onAlloc(a);
            if (m instanceof Hashed h) return h.req() == req ? onHashed(h) : this;
            if (m instanceof TimerFired t) return req != null && t.timer() == req.rskTimer ? onTimer(t) : this;
            if (m instanceof Owned o) return o.req() == req ? onOwned() : this;
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
        ns.ehashLock(r.tuple).tell(new EhashBucketActor.Insert<>(r.tuple, new ReqEntry(getContext().getSelf(), r), false,
            getContext().getSelf(), ok -> new Hashed(ok, r)));
        return this;
    }

    /** include/net/request_sock.h: reqsk_free — back to the namespace's cache. */
    private Behavior<Command> reqskFree() {
        req = null;
        listener = null;
        ns.reqskFree(getContext().getSelf());
        return this;
    }

    private void perform() {
        Perform.effects(ns, getContext().getSelf(), TimerFired::new);
    }

    private int advmss() {
        return ns.mtu - 40;
    }

    private Behavior<Command> onHashed(Hashed m) {
        if (!m.ok()) {
            // another CPU hashed the same 4-tuple first: free this one silently
            listener.queue().reqskQueueRemoved(req);
            return reqskFree();
        }
        // af_ops->send_synack
        ns.xmit(TcpOutput.tcpMakeSynack(req, ns.clock.nanos(), advmss()));
        Perform.fx().modTimer(req.rskTimer, ns.clock.nanos() + req.timeout);
        perform();
        return this;
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
        TcpMinisocks.CheckReq r = TcpMinisocks.tcpCheckReq(req, skb,
            new TcpMinisocks.ListenerState(listener.sk().skMaxAckBacklog, listener.queue(), ns.sysctl.tcpAbortOnOverflow()),
            ns.sysctl.tcpTimestamps() != 0, advmss(), ns.clock.nanos(), Perform.fx(), ns.mib);
        perform();
        if (r instanceof TcpMinisocks.CheckReq.Listener) {
            // tcp_v4_do_rcv(listener): the LISTEN case answers an ACK with a RST; the request stays
            if (TcpInput.tcpRcvStateProcessListen(skb) == TcpInput.ListenVerdict.RESET) ns.xmit(TcpIpv4.tcpV4SendReset(skb));
            return this;
        }
        if (r instanceof TcpMinisocks.CheckReq.ResetAndDrop rd) {
            ns.xmit(rd.rst());
            return dropAndFree(null);
        }
        if (r instanceof TcpMinisocks.CheckReq.Drop) {
            return dropAndFree(null);
        }
        if (r instanceof TcpMinisocks.CheckReq.Child c) {
            ns.slab().tell(new SlabActor.CloneChild(c.child(), skb, req, getContext().getSelf(), listener));
        }
        return this;
    }

    /** net/ipv4/inet_connection_sock.c: reqsk_timer_handler */
    private Behavior<Command> onTimer(TimerFired m) {
        if (!m.timer().current(m.generation())) return this;
        m.timer().pending = false;
        if (listener.sk().skState != TcpState.LISTEN) {
            return dropAndFree(null);
        }
        InetConnectionSock.ReqskTimer r = InetConnectionSock.reqskTimerHandler(req, listener.queue(),
            listener.sk().skMaxAckBacklog, listener.synackRetries(), advmss(), ns.clock.nanos(), Perform.fx(), ns.mib);
        perform();
        if (r == InetConnectionSock.ReqskTimer.EXPIRED) {
            return dropAndFree(null);
        }
        return this;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_drop — out of ehash and the SYN queue — then
     * reqsk_free. With {@code thenLookUp}, the receive path looks that segment up again once the
     * request is out of ehash.
     */
    private Behavior<Command> dropAndFree(Skb thenLookUp) {
        Perform.fx().delTimer(req.rskTimer);
        perform();
        ns.ehashLock(req.tuple).tell(new EhashBucketActor.Remove(req.tuple, new ReqEntry(getContext().getSelf(), req), thenLookUp));
        listener.queue().reqskQueueRemoved(req);
        return reqskFree();
    }

    private Behavior<Command> onOwned() {
        Perform.fx().delTimer(req.rskTimer);
        perform();
        return reqskFree();
    }
}
