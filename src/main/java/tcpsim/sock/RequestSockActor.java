package tcpsim.sock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Signal;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import tcpsim.hash.EhashBucketActor;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.Effects;
import tcpsim.net.ipv4.InetConnectionSock;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpIpv4;
import tcpsim.net.ipv4.TcpInput;
import tcpsim.net.ipv4.TcpMinisocks;
import tcpsim.net.ipv4.TcpOutput;
import tcpsim.net.ipv4.TcpState;
import tcpsim.timer.TimerList;

/**
 * A request sock (NEW_SYN_RECV): made by tcp_conn_request, it lives in ehash with its own SYN-ACK
 * timer (rsk_timer), which is what its mailbox serializes. The final ACK is checked here
 * (tcp_check_req); the child it yields is spawned by the host and must win the ehash swap.
 */
public final class RequestSockActor extends AbstractBehavior<RequestSockActor.Command> {
    public sealed interface Command {}

    public record SegmentArrived(Skb skb) implements Command {}

    /** The winning child has replaced us in ehash and taken us off the SYN queue: we are done. */
    public record Owned() implements Command {}

    record Hashed(boolean ok) implements Command {}
    record TimerFired(TimerList timer, int generation) implements Command {}

    private final NetNs ns;
    private final RequestSock req;
    private final ListenerEntry listener;
    private boolean unlinked;

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_hash_add — hash the request into ehash, then
     * (tcp_conn_request) send its SYN-ACK and arm its timer. The SYN queue already counts it.
     */
    public static Behavior<Command> create(NetNs ns, RequestSock req, ListenerEntry listener) {
        return Behaviors.setup(ctx -> {
            ns.ehashLock(req.tuple).tell(new EhashBucketActor.Insert<>(req.tuple, new ReqEntry(ctx.getSelf()), false,
                ctx.getSelf(), Hashed::new));
            return new RequestSockActor(ctx, ns, req, listener);
        });
    }

    private RequestSockActor(ActorContext<Command> ctx, NetNs ns, RequestSock req, ListenerEntry listener) {
        super(ctx);
        this.ns = ns;
        this.req = req;
        this.listener = listener;
    }

    /** One dispatch rather than a ReceiveBuilder: a request actor is created for every SYN. */
    @Override
    public Receive<Command> createReceive() {
        return new Receive<>() {
            @Override
            public Behavior<Command> receiveMessage(Command m) {
                if (m instanceof SegmentArrived seg) return onSegment(seg);
                if (m instanceof Hashed h) return onHashed(h);
                if (m instanceof TimerFired t) return onTimer(t);
                if (m instanceof Owned o) return onOwned(o);
                return Behaviors.unhandled();
            }

            @Override
            public Behavior<Command> receiveSignal(Signal sig) {
                return Behaviors.unhandled();
            }
        };
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
            return Behaviors.stopped();
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
        if (listener.sk().skState != TcpState.LISTEN) {
            // the listener is gone (no reuseport migration modelled): inet_csk_reqsk_queue_drop_and_put,
            // then "goto lookup" — the bucket re-injects the segment once we are out of ehash
            drop(skb);
            return Behaviors.stopped();
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
            drop();
            return Behaviors.stopped();
        }
        if (r instanceof TcpMinisocks.CheckReq.Drop) {
            drop();
            return Behaviors.stopped();
        }
        if (r instanceof TcpMinisocks.CheckReq.Child c) {
            ns.host().tell(new HostActor.CreateOpenreqChild(c.child(), skb, req, getContext().getSelf(), listener));
        }
        return this;
    }

    /** net/ipv4/inet_connection_sock.c: reqsk_timer_handler */
    private Behavior<Command> onTimer(TimerFired m) {
        if (!m.timer().current(m.generation())) return this;
        m.timer().pending = false;
        if (listener.sk().skState != TcpState.LISTEN) {
            drop();
            return Behaviors.stopped();
        }
        InetConnectionSock.ReqskTimer r = InetConnectionSock.reqskTimerHandler(req, listener.queue(),
            listener.sk().skMaxAckBacklog, listener.synackRetries(), advmss(), ns.clock.nanos(), Perform.fx(), ns.mib);
        perform();
        if (r == InetConnectionSock.ReqskTimer.EXPIRED) {
            drop();
            return Behaviors.stopped();
        }
        return this;
    }

    /** net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_drop — out of ehash and the SYN queue. */
    private void drop() {
        drop(null);
    }

    /** As {@link #drop()}, then the receive path looks {@code thenLookUp} up again. */
    private void drop(Skb thenLookUp) {
        if (unlinked) return;
        unlinked = true;
        Perform.fx().delTimer(req.rskTimer);
        perform();
        ns.ehashLock(req.tuple).tell(new EhashBucketActor.Remove(req.tuple, new ReqEntry(getContext().getSelf()), thenLookUp));
        listener.queue().reqskQueueRemoved(req);
    }

    private Behavior<Command> onOwned(Owned m) {
        unlinked = true;
        Perform.fx().delTimer(req.rskTimer);
        perform();
        return Behaviors.stopped();
    }
}
