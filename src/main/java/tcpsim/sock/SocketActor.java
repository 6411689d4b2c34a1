package tcpsim.sock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import tcpsim.hash.BindBucketActor;
import tcpsim.hash.EhashBucketActor;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.net.Inject;
import tcpsim.net.Net;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.AfInet;
import tcpsim.net.ipv4.BindOwner;
import tcpsim.net.ipv4.Effects;
import tcpsim.net.ipv4.Errno;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetConnectionSock;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.SecureSeq;
import tcpsim.net.ipv4.Socket;
import tcpsim.net.ipv4.Tcp;
import tcpsim.net.ipv4.TcpInput;
import tcpsim.net.ipv4.TcpIpv4;
import tcpsim.net.ipv4.TcpMinisocks;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.net.ipv4.TcpTimer;
import tcpsim.runtime.Locks;
import tcpsim.runtime.Receives;
import tcpsim.runtime.TimerList;

/**
 * A socket (struct sock / tcp_sock). Its mailbox is lock_sock plus the socket backlog: a system call
 * runs with the lock held, and while it waits on a nested lock (a bhash or ehash bucket) everything
 * else — segments included — is stashed and handled in arrival order when the call releases the
 * socket, as __release_sock does. A listen() turns this actor into a {@link ListenerActor}. The
 * kernel's logic is in net/ipv4; this actor orders the calls and performs the effects they return.
 */
public final class SocketActor extends AbstractBehavior<SocketActor.Command> {
    public sealed interface Command {}

    /**
     * The return of a system call: {@code ret} (-1 on failure) and the errno, plus the socket a call
     * produced (socket(), accept(), and connect() so a process with many sockets knows which one).
     * A caller adapts it into its own protocol with messageAdapter.
     */
    public record Reply(String call, int ret, Errno errno, ActorRef<Command> sock) {
        public static Reply ok(String call) {
            return new Reply(call, 0, null, null);
        }

        public static Reply ok(String call, ActorRef<Command> sock) {
            return new Reply(call, 0, null, sock);
        }

        public static Reply error(String call, Errno errno) {
            return new Reply(call, -1, errno, null);
        }

        public boolean failed() {
            return errno != null;
        }
    }

    // --- system calls (from an application) ---
    public record Bind(int addr, int port, ActorRef<Reply> replyTo) implements Command {}
    public record Listen(int backlog, ActorRef<Reply> replyTo) implements Command {}
    public record Connect(int daddr, int dport, ActorRef<Reply> replyTo) implements Command {}
    public record Accept(ActorRef<Reply> replyTo) implements Command {}
    public record Close(ActorRef<Reply> replyTo) implements Command {}

    /**
     * poll(POLLOUT) on a socket whose non-blocking connect() said EINPROGRESS, then
     * getsockopt(SO_ERROR): answers "poll" with ret 0 once connected, or -1 and the pending error
     * (sock_error clears it), when the handshake ends; at once if it already has.
     */
    public record AwaitConnect(ActorRef<Reply> replyTo) implements Command {}

    /** setsockopt / fcntl(O_NONBLOCK) values the lifecycle uses. */
    public enum Option { SO_REUSEADDR, SO_REUSEPORT, TCP_SYNCNT, TCP_MAXSEG, O_NONBLOCK }

    public record SetOption(Option option, int value, ActorRef<Reply> replyTo) implements Command {}

    // --- from the wire (tcp_v4_rcv) and timers ---
    public record SegmentArrived(Skb skb) implements Command {}
    public record TimerFired(TimerList timer, int generation) implements Command {}

    /** getsockopt(TCP_INFO): tcp_get_info under the socket lock. */
    public record GetInfo(ActorRef<Tcp.TcpInfo> replyTo) implements Command {}

    // --- replies from the lock actors, and listener traffic ---
    record PortChecked(boolean ok) implements Command {}
    record PortGot(Errno errno) implements Command {}
    record ChildHashed(boolean own) implements Command {}
    record AcceptQueueReply(ActorRef<Command> child) implements Command {}
    record DataReady() implements Command {}
    record ListenStopped() implements Command {}
    /** inet_child_forget / tcp_disconnect from a closing listener: reset and close. */
    record Abort() implements Command {}

    private final NetNs ns;
    private final Net net;
    private final TcpSock sk;
    private final StashBuffer<Command> stash;
    private final String path;
    private ActorRef<Reply> connectWaiter;
    private ActorRef<Reply> pollWaiter;

    /** socket(AF_INET, SOCK_STREAM, 0): a fresh socket in CLOSE, SS_UNCONNECTED. */
    public static Behavior<Command> create(NetNs ns, TcpSock sk) {
        return Behaviors.setup(ctx -> Behaviors.withStash(4096, stash -> new SocketActor(ctx, ns, sk, stash)));
    }

    /**
     * A child made by tcp_check_req: it first takes the request's place in ehash
     * (inet_ehash_nolisten(child, req)); only the winner of that swap lives on.
     */
    public static Behavior<Command> createChild(NetNs ns, TcpSock child, Skb skb, RequestSock req,
                                                ActorRef<RequestSockActor.Command> reqRef, ListenerEntry listener) {
        return Behaviors.setup(ctx -> Behaviors.withStash(4096, stash -> {
            SocketActor a = new SocketActor(ctx, ns, child, stash);
            return a.childHashdance(skb, req, reqRef, listener);
        }));
    }

    private SocketActor(ActorContext<Command> ctx, NetNs ns, TcpSock sk, StashBuffer<Command> stash) {
        super(ctx);
        this.ns = ns;
        this.net = ns.net;
        this.sk = sk;
        this.stash = stash;
        this.path = net.trace.on() ? ctx.getSelf().path().toStringWithoutAddress() : null;
        if (net.trace.on()) {
            sk.observer = (s, from, to) -> net.trace.event("state", path, from + " -> " + to + " " + s.describe());
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(this::onCommand);
    }

    private Behavior<Command> onCommand(Command m) {
        if (m instanceof SegmentArrived seg) return perform(TcpInput.tcpRcvStateProcess(net, sk, seg.skb()));
        if (m instanceof TimerFired t) return onTimer(t);
        if (m instanceof Connect c) return onConnect(c);
        if (m instanceof AwaitConnect a) return onAwaitConnect(a);
        if (m instanceof SetOption o) return onSetOption(o);
        if (m instanceof Bind b) return onBind(b);
        if (m instanceof Listen l) return onListen(l);
        if (m instanceof Accept a) return reply(a.replyTo(), Reply.error("accept", Errno.EINVAL));
        if (m instanceof Close c) return onClose(c);
        if (m instanceof Abort) return perform(Tcp.tcpDisconnectOrphan(net, sk));
        if (m instanceof GetInfo g) {
            g.replyTo().tell(Tcp.tcpGetInfo(sk, null));
            return this;
        }
        return Behaviors.unhandled();
    }

    /** connect()'s return carries the socket, so a process with many sockets knows which one. */
    private Reply connectReply(Errno e) {
        return new Reply("connect", e == null ? 0 : -1, e, getContext().getSelf());
    }

    private Behavior<Command> reply(ActorRef<Reply> to, Reply r) {
        to.tell(r);
        return this;
    }

    /** Performs what a kernel call returned, in order; stopped once the socket is destroyed. */
    private Behavior<Command> perform(Effects fx) {
        boolean destroyed = false;
        for (Effects.Effect e : fx.list()) {
            if (Perform.common(ns, e, getContext().getSelf(), TimerFired::new)) continue;
            if (e instanceof Effects.Unhash u) {
                ns.toEhash(u.tuple(), new EhashBucketActor.Remove(u.tuple(), new SockEntry(getContext().getSelf(), sk)));
            } else if (e instanceof Effects.PutPort p) {
                ns.toBhash(p.port(), new BindBucketActor.PutPort(p.port(), sk));
            } else if (e instanceof Effects.StateChange) {
                wakeConnect();
            } else if (e instanceof Effects.Destroy) {
                ns.unregister(sk);
                destroyed = true;
            } else if (e instanceof Effects.NotModelled n) {
                Perform.notModelled(ns, path, n);
            } else {
                throw Perform.misplaced(e, "socket");
            }
        }
        return destroyed ? Behaviors.stopped() : this;
    }

    // ---- setsockopt ----

    private Behavior<Command> onSetOption(SetOption m) {
        switch (m.option()) {
            case SO_REUSEADDR -> sk.skReuse = m.value() != 0;
            case SO_REUSEPORT -> sk.skReuseport = m.value() != 0;
            case TCP_SYNCNT -> {
                if (m.value() < 1 || m.value() > 127) return reply(m.replyTo(), Reply.error("setsockopt", Errno.EINVAL));
                sk.icskSynRetries = m.value();
            }
            case TCP_MAXSEG -> sk.userMss = m.value();
            case O_NONBLOCK -> sk.nonblock = m.value() != 0;
        }
        return reply(m.replyTo(), Reply.ok("setsockopt"));
    }

    // ---- bind ----

    /** net/ipv4/af_inet.c: __inet_bind — the checks, then inet_csk_get_port under the bucket lock. */
    private Behavior<Command> onBind(Bind m) {
        if (sk.skState != TcpState.CLOSE || sk.inetNum != 0) return reply(m.replyTo(), Reply.error("bind", Errno.EINVAL));
        if (m.addr() != 0 && m.addr() != net.addr) return reply(m.replyTo(), Reply.error("bind", Errno.EADDRNOTAVAIL));
        if (m.port() == 0) {
            // inet_csk_find_open_port is not modelled yet: bind(port 0) is refused explicitly.
            return reply(m.replyTo(), Reply.error("bind", Errno.EOPNOTSUPP));
        }
        sk.inetSaddr = m.addr();
        ns.toBhash(m.port(), new BindBucketActor.GetPort<>(m.port(), BindOwner.of(sk, false), getContext().getSelf(),
            PortGot::new));
        return awaitPort(got -> {
            if (got.errno() != null) {
                sk.inetSaddr = 0;
                return reply(m.replyTo(), Reply.error("bind", got.errno()));
            }
            InetHashtables.inetBindHash(sk, m.port());
            sk.bindPortLock = true; // an explicit port: SOCK_BINDPORT_LOCK
            return reply(m.replyTo(), Reply.ok("bind"));
        });
    }

    /** Hold lock_sock until the bhash bucket answers. */
    private Behavior<Command> awaitPort(java.util.function.Function<PortGot, Behavior<Command>> then) {
        return Locks.await(stash, PortGot.class, got -> {
            Behavior<Command> next = then.apply(got);
            // a new behaviour (the listener) gets everything that waited; else release_sock
            return next == this ? Locks.release(stash, this) : stash.unstashAll(next);
        });
    }

    // ---- listen ----

    /**
     * net/socket.c: __sys_listen clamps the backlog; net/ipv4/af_inet.c: inet_listen checks the socket;
     * net/ipv4/inet_connection_sock.c: inet_csk_listen_start sets LISTEN, then re-validates the port.
     */
    private Behavior<Command> onListen(Listen m) {
        int backlog = Socket.sysListenBacklog(m.backlog(), net.sysctl.somaxconn());
        Errno err = AfInet.inetListen(sk, backlog);
        if (err != null) return reply(m.replyTo(), Reply.error("listen", err));
        if (sk.inetNum == 0) {
            // auto-bind (inet_csk_get_port with port 0) is not modelled yet
            return reply(m.replyTo(), Reply.error("listen", Errno.EOPNOTSUPP));
        }
        var queue = InetConnectionSock.inetCskListenStart(net, sk);
        if (net.injected(Inject.LISTEN_START_NO_REVALIDATE)) {
            // Inject: inet_csk_listen_start without its get_port re-validation (kernel-reference 12.2 item 1)
            InetConnectionSock.inetCskListenStartDone(sk, null);
            m.replyTo().tell(Reply.ok("listen"));
            return ListenerActor.create(getContext(), ns, sk, queue, stash);
        }
        ns.toBhash(sk.inetNum, new BindBucketActor.GetPort<>(sk.inetNum, BindOwner.of(sk, true),
            getContext().getSelf(), PortGot::new));
        return awaitPort(got -> {
            Errno e = InetConnectionSock.inetCskListenStartDone(sk, got.errno());
            if (e != null) return reply(m.replyTo(), Reply.error("listen", e));
            m.replyTo().tell(Reply.ok("listen"));
            return ListenerActor.create(getContext(), ns, sk, queue, stash);
        });
    }

    // ---- connect ----

    /** net/ipv4/af_inet.c: __inet_stream_connect (lock_sock held throughout tcp_v4_connect). */
    private Behavior<Command> onConnect(Connect m) {
        AfInet.StreamConnect d = AfInet.inetStreamConnect(sk);
        if (d instanceof AfInet.StreamConnect.Fail f) return reply(m.replyTo(), connectReply(f.errno()));
        if (d instanceof AfInet.StreamConnect.AlreadyConnecting) {
            // SS_CONNECTING: EALREADY while the handshake runs (a blocking call waits for it); after
            // it, this call reports the result and makes the socket SS_CONNECTED (or unconnected)
            if (sk.skState == TcpState.SYN_SENT || sk.skState == TcpState.SYN_RECV) {
                if (sk.nonblock || connectWaiter != null) return reply(m.replyTo(), connectReply(Errno.EALREADY));
                connectWaiter = m.replyTo();
                return this;
            }
            return reply(m.replyTo(), connectReply(AfInet.inetStreamConnectResult(sk)));
        }
        Errno err = TcpIpv4.tcpV4ConnectPrepare(net, sk, m.daddr(), m.dport(), ns.routed(m.daddr()));
        if (err != null) return reply(m.replyTo(), connectReply(err));
        return inetHashConnect(m);
    }

    /**
     * net/ipv4/inet_hashtables.c: inet_hash_connect — a bound socket only checks its 4-tuple; otherwise
     * the ephemeral search (__inet_hash_connect) starts from port_offset.
     */
    private Behavior<Command> inetHashConnect(Connect m) {
        SockEntry entry = new SockEntry(getContext().getSelf(), sk);
        if (sk.inetNum != 0) {
            ns.toEhash(sk.tuple(), new EhashBucketActor.Insert<>(sk.tuple(), entry, true,
                getContext().getSelf(), PortChecked::new));
            return Locks.await(stash, PortChecked.class, c -> Locks.release(stash, c.ok() ? connected(m) : connectFailed(m, Errno.EADDRNOTAVAIL)));
        }
        var s = net.sysctl;
        long portOffset = SecureSeq.secureIpv4PortEphemeral(net.portSecret, sk.inetSaddr, sk.inetDaddr, sk.inetDport,
            net.now());
        var scan = new InetHashtables.PortScan(s.ipLocalPortRangeLow(), s.ipLocalPortRangeHigh(), portOffset, net.tablePerturb);
        return tryPort(m, scan, entry);
    }

    private Behavior<Command> tryPort(Connect m, InetHashtables.PortScan scan, SockEntry entry) {
        int port = scan.next(net.sysctl::isLocalReservedPort);
        if (port < 0) return Locks.release(stash, connectFailed(m, Errno.EADDRNOTAVAIL));
        sk.inetNum = port; // the candidate 4-tuple
        FourTuple t = sk.tuple();
        ns.toBhash(port, new BindBucketActor.ConnectPort<>(port, t, entry, BindOwner.of(sk, false),
            getContext().getSelf(), PortChecked::new));
        return Locks.await(stash, PortChecked.class, c -> {
            if (!c.ok()) {
                scan.skip();
                return tryPort(m, scan, entry);
            }
            InetHashtables.inetBindHash(sk, port);
            scan.ok(net.random.nextInt());
            return Locks.release(stash, connected(m));
        });
    }

    /** The rest of tcp_v4_connect once hashed: ISN, tcp_connect; then __inet_stream_connect's wait. */
    private Behavior<Command> connected(Connect m) {
        perform(TcpIpv4.tcpV4ConnectFinish(net, sk));
        ns.register(sk);
        sk.sockState = TcpSock.SocketState.SS_CONNECTING;
        if (sk.nonblock) {
            m.replyTo().tell(connectReply(Errno.EINPROGRESS));
        } else {
            connectWaiter = m.replyTo(); // inet_wait_for_connect: sleeps without the lock
        }
        return this;
    }

    private Behavior<Command> connectFailed(Connect m, Errno e) {
        TcpIpv4.tcpV4ConnectFailed(net, sk);
        m.replyTo().tell(connectReply(e));
        return this;
    }

    private Behavior<Command> onAwaitConnect(AwaitConnect m) {
        if (sk.skState == TcpState.SYN_SENT) {
            pollWaiter = m.replyTo();
            return this;
        }
        m.replyTo().tell(pollReply());
        return this;
    }

    /** POLLOUT and SO_ERROR: the pending error is reported once and cleared (sock_error). */
    private Reply pollReply() {
        Errno e = sk.skErr;
        sk.skErr = null;
        return new Reply("poll", e == null ? 0 : -1, e, getContext().getSelf());
    }

    /** sk_state_change: wake a blocked connect(), or a poll() for POLLOUT, once the handshake ended. */
    private void wakeConnect() {
        if (sk.skState == TcpState.SYN_SENT || sk.skState == TcpState.SYN_RECV) return;
        if (pollWaiter != null) {
            pollWaiter.tell(pollReply());
            pollWaiter = null;
        }
        if (connectWaiter == null) {
            return;
        }
        Errno e = AfInet.inetStreamConnectResult(sk);
        connectWaiter.tell(connectReply(e));
        connectWaiter = null;
    }

    // ---- timers ----

    private Behavior<Command> onTimer(TimerFired m) {
        if (!m.timer().current(m.generation())) return this; // lost the race with del_timer/mod_timer
        m.timer().pending = false;
        if (m.timer() == sk.retransmitTimer) return perform(TcpTimer.tcpWriteTimerHandler(net, sk));
        return this;
    }

    // ---- close ----

    /**
     * net/ipv4/tcp.c: tcp_close. What the model does not cover yet (teardown of a synchronized
     * socket) is refused with EOPNOTSUPP and a note, and the socket stays as it was.
     */
    private Behavior<Command> onClose(Close m) {
        Effects fx = Tcp.tcpClose(net, sk);
        if (fx.has(Effects.NotModelled.class)) {
            perform(fx);
            return reply(m.replyTo(), Reply.error("close", Errno.EOPNOTSUPP));
        }
        m.replyTo().tell(Reply.ok("close"));
        return perform(fx);
    }

    // ---- the child's start: inet_ehash_nolisten(child, req), inet_csk_complete_hashdance, tcp_child_process ----

    private Behavior<Command> childHashdance(Skb skb, RequestSock req, ActorRef<RequestSockActor.Command> reqRef,
                                             ListenerEntry listener) {
        FourTuple t = req.tuple;
        ns.toEhash(t, new EhashBucketActor.Swap<>(t, new ReqEntry(reqRef, req), new SockEntry(getContext().getSelf(), sk),
            getContext().getSelf(), ChildHashed::new));
        return Locks.await(stash, ChildHashed.class, h -> {
            if (!h.own()) {
                // req_stolen: another CPU's child won; drop ours and look the packet up again
                listener.queue().skAckBacklog.decrementAndGet();
                ns.host().tell(new HostActor.Lookup(skb));
                return Behaviors.stopped();
            }
            sk.hashed = true;
            ns.register(sk);
            // inet_csk_complete_hashdance: the request leaves the SYN queue, the child joins the accept queue
            listener.queue().reqskQueueRemoved(req);
            // reqsk_queue_unlink runs here, on the CPU that completes the handshake
            if (InetConnectionSock.reqskQueueUnlinkStopsTimer(net, req)) reqRef.tell(new RequestSockActor.Owned(req));
            else reqRef.tell(new RequestSockActor.OwnedTimerRunning(req));
            listener.queueActor().tell(new RequestSockQueueActor.ReqskQueueAdd(getContext().getSelf()));
            return Locks.release(stash, perform(TcpMinisocks.tcpChildProcess(net, sk, skb)));
        });
    }

    public TcpSock sock() {
        return sk;
    }
}
