package tcpsim.host;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.util.List;
import tcpsim.hash.BindBucketActor;
import tcpsim.hash.EhashBucketActor;
import tcpsim.net.Icmp;
import tcpsim.net.Mib;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.Effects;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpInput;
import tcpsim.net.ipv4.TcpIpv4;
import tcpsim.runtime.Receives;
import tcpsim.sock.ListenerEntry;
import tcpsim.sock.ReqEntry;
import tcpsim.sock.RequestSockActor;
import tcpsim.sock.SockEntry;
import tcpsim.sock.SocketActor;
import tcpsim.timer.TimerBaseActor;

/**
 * A network namespace: parent of its socket slabs, request socks, bucket locks, timer base and
 * applications. Its mailbox is the namespace's receive softirq: tcp_v4_rcv looks sockets up without
 * locks (RCU) and hands the segment on; for a listener it runs tcp_conn_request itself, since the
 * listener path takes no socket lock.
 */
public final class HostActor extends AbstractBehavior<HostActor.Command> {
    public sealed interface Command {}

    /** A packet from a link (the NIC's receive path). */
    public record Rx(Packet packet) implements Command {}

    /** net/ipv4/tcp_ipv4.c: tcp_v4_rcv's "goto lookup" — look a segment up again, counted once already. */
    public record Lookup(Skb skb) implements Command {}

    /** A message for bucket lock {@code index} of ehash (or bhash) that is spawned on first use. */
    record ToLock(boolean ehash, int index, Object message) implements Command {}

    /** The spare slab went into use: make the next spare. */
    record NewSlab() implements Command {}

    /** Start a process in this namespace. */
    public record Spawn(Behavior<?> behavior, String name) implements Command {}


    private final NetNs ns;

    public static Behavior<Command> create(NetNs ns) {
        return Behaviors.setup(ctx -> new HostActor(ctx, ns));
    }

    @SuppressWarnings("unchecked")
    private HostActor(ActorContext<Command> ctx, NetNs ns) {
        super(ctx);
        this.ns = ns;
        ns.host = ctx.getSelf();
        ns.timerBase = ctx.spawn(TimerBaseActor.create(ns.net.clock, ns.choices(), ns.timerJitterNanos()), "timers");
        ns.addSlab(ctx.spawn(SlabActor.create(ns), "slab-" + ns.sockSlabs++));
        ns.addSlab(ctx.spawn(SlabActor.create(ns), "slab-" + ns.sockSlabs++));
        if (ns.lazyLocks()) return;
        for (int i = 0; i < NetNs.EHASH_LOCKS; i++) ehashLock(i);
        for (int i = 0; i < NetNs.BHASH_LOCKS; i++) bhashLock(i);
    }

    private ActorRef<EhashBucketActor.Command> ehashLock(int i) {
        if (ns.ehashLocks[i] == null) ns.ehashLocks[i] = getContext().spawn(EhashBucketActor.create(ns), "ehash-" + i);
        return ns.ehashLocks[i];
    }

    private ActorRef<BindBucketActor.Command> bhashLock(int i) {
        if (ns.bhashLocks[i] == null) ns.bhashLocks[i] = getContext().spawn(BindBucketActor.create(ns), "bhash-" + i);
        return ns.bhashLocks[i];
    }

    /** A message for a bucket lock not spawned yet (or with messages still waiting here): spawn, forward. */
    @SuppressWarnings("unchecked")
    private Behavior<Command> onToLock(ToLock m) {
        if (m.ehash()) {
            ns.ehashRouted[m.index()]--;
            ehashLock(m.index()).tell((EhashBucketActor.Command) m.message());
        } else {
            ns.bhashRouted[m.index()]--;
            bhashLock(m.index()).tell((BindBucketActor.Command) m.message());
        }
        return this;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof Rx rx) return onRx(rx);
            if (m instanceof Lookup l) return onLookup(l);
            if (m instanceof NewSlab n) return onNewSlab(n);
            if (m instanceof ToLock t) return onToLock(t);
            if (m instanceof Spawn s) return onSpawn(s);
            return Behaviors.unhandled();
        });
    }

    private Behavior<Command> onNewSlab(NewSlab m) {
        ns.addSlab(getContext().spawn(SlabActor.create(ns), "slab-" + ns.sockSlabs++));
        return this;
    }

    private Behavior<Command> onSpawn(Spawn m) {
        getContext().spawn(m.behavior(), m.name());
        return this;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_rcv — established or request socks by 4-tuple, then listeners by port,
     * else a RST (no_tcp_socket).
     */
    private Behavior<Command> onRx(Rx m) {
        if (m.packet() instanceof Icmp icmp) {
            // tcp_v4_err is not modelled yet
            note("ICMP " + icmp.type() + "/" + icmp.code());
            return this;
        }
        Skb skb = (Skb) m.packet();
        ns.net.mib.inc(Mib.Counter.TcpInSegs);
        return lookup(skb);
    }

    private Behavior<Command> onLookup(Lookup m) {
        return lookup(m.skb());
    }

    /** tcp_v4_rcv from "lookup:" on. */
    private Behavior<Command> lookup(Skb skb) {
        EhashEntry e = ns.ehash.get(FourTuple.ofIncoming(skb)); // __inet_lookup_established
        if (e instanceof SockEntry s) {
            s.ref().tell(new SocketActor.SegmentArrived(skb));
            return this;
        }
        if (e instanceof ReqEntry r) {
            r.ref().tell(new RequestSockActor.SegmentArrived(skb));
            return this;
        }
        List<ListenerEntry> ls = InetHashtables.inetLookupListener(ns.listeners(skb.dport()), skb.daddr());
        if (ls.size() == 1) {
            tcpV4DoRcvListen(ls.get(0), skb);
            return this;
        }
        if (ls.size() > 1) {
            // reuseport_select_sock would pick one of the group by the 4-tuple's hash
            note("SO_REUSEPORT groups (" + ls.size() + " listeners on port " + skb.dport() + ")");
            return this;
        }
        // no_tcp_socket
        if (!skb.rst()) ns.xmit(TcpIpv4.tcpV4SendReset(ns.net, skb));
        return this;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_do_rcv for a listener, without its lock: tcp_v4_cookie_check (no
     * cookies modelled: the listener itself), then tcp_rcv_state_process's LISTEN case.
     */
    private void tcpV4DoRcvListen(ListenerEntry l, Skb skb) {
        for (Effects.Effect e : TcpInput.tcpRcvStateProcess(ns.net, l.sk(), skb).list()) {
            if (e instanceof Effects.Emit emit) ns.xmit(emit.skb());
            else if (e instanceof Effects.ConnRequest) tcpV4ConnRequest(l, skb);
            else throw new IllegalStateException(e + " is not for a listener's receive path");
        }
    }

    /** net/ipv4/tcp_ipv4.c: tcp_v4_conn_request -> tcp_conn_request, then the request's actor. */
    private void tcpV4ConnRequest(ListenerEntry l, Skb skb) {
        RequestSock req = TcpInput.tcpConnRequest(ns.net, new TcpInput.ListenerView(l.sk().skMaxAckBacklog, l.queue(),
            l.synackRetries()), skb, 0);
        if (req == null) return;
        l.queue().reqskQueueAdded(); // inet_csk_reqsk_queue_added, counted now so the next SYN sees it
        ActorRef<RequestSockActor.Command> ref = ns.reqskAlloc();
        if (ref == null) ref = getContext().spawn(RequestSockActor.create(ns), "req-" + (++ns.reqskObjects)); // the cache grows
        ref.tell(new RequestSockActor.Alloc(req, l));
    }

    private void note(String what) {
        if (ns.net.trace.on()) ns.net.trace.event("note", ns.name, "not modelled: " + what);
    }
}
