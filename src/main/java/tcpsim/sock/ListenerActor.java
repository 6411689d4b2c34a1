package tcpsim.sock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import java.util.ArrayDeque;
import tcpsim.hash.BindBucketActor;
import tcpsim.host.NetNs;
import tcpsim.net.Inject;
import tcpsim.net.ipv4.Effects;
import tcpsim.net.ipv4.Errno;
import tcpsim.net.ipv4.RequestSockQueue;
import tcpsim.net.ipv4.Socket;
import tcpsim.net.ipv4.Tcp;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Locks;
import tcpsim.runtime.Receives;

/**
 * A listening socket: the same actor as the socket that called listen(), now behaving as a listener.
 * Its mailbox is lock_sock(listener), taken by accept(), listen() and close() only: SYNs and the final
 * ACKs never come here (the receive path is lockless for listeners since 4.4). The accept FIFO is
 * the {@link RequestSockQueueActor}'s (rskq_lock).
 */
public final class ListenerActor extends AbstractBehavior<SocketActor.Command> {
    private final NetNs ns;
    private final TcpSock sk;
    private final RequestSockQueue queue;
    private final ActorRef<RequestSockQueueActor.Command> queueActor;
    private final ListenerEntry entry;
    private final StashBuffer<SocketActor.Command> stash;
    /** Blocked accept() callers, woken one per connection (inet_csk_wait_for_connect is exclusive). */
    private final ArrayDeque<ActorRef<SocketActor.Reply>> waiters = new ArrayDeque<>();

    static Behavior<SocketActor.Command> create(ActorContext<SocketActor.Command> ctx, NetNs ns, TcpSock sk,
                                                RequestSockQueue queue, StashBuffer<SocketActor.Command> stash) {
        return new ListenerActor(ctx, ns, sk, queue, stash);
    }

    private ListenerActor(ActorContext<SocketActor.Command> ctx, NetNs ns, TcpSock sk, RequestSockQueue queue,
                          StashBuffer<SocketActor.Command> stash) {
        super(ctx);
        this.ns = ns;
        this.sk = sk;
        this.queue = queue;
        this.stash = stash;
        this.queueActor = ctx.spawn(RequestSockQueueActor.create(ctx.getSelf(), queue,
            ns.net.injected(Inject.REQSK_QUEUE_ADD_NO_LISTEN_CHECK)), "accept-queue");
        this.entry = new ListenerEntry(sk, queue, ctx.getSelf(), queueActor,
            sk.icskSynRetries != 0 ? sk.icskSynRetries : ns.net.sysctl.tcpSynackRetries());
        ns.register(sk);
        // sk->sk_prot->hash: inet_hash puts the listener at the end of its port's lhash2 list
        ns.lhashAdd(entry);
    }

    @Override
    public Receive<SocketActor.Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof SocketActor.Accept a) return onAccept(a);
            if (m instanceof SocketActor.DataReady) return wakeOne();
            if (m instanceof SocketActor.Listen l) return onListen(l);
            if (m instanceof SocketActor.Close c) return onClose(c);
            if (m instanceof SocketActor.Connect c) return reply(c.replyTo(), SocketActor.Reply.error("connect", Errno.EISCONN));
            if (m instanceof SocketActor.Bind b) return reply(b.replyTo(), SocketActor.Reply.error("bind", Errno.EINVAL));
            if (m instanceof SocketActor.SetOption o) return onSetOption(o);
            if (m instanceof SocketActor.GetInfo g) {
                g.replyTo().tell(Tcp.tcpGetInfo(sk, queue));
                return this;
            }
            return Behaviors.unhandled();
        });
    }

    private Behavior<SocketActor.Command> reply(ActorRef<SocketActor.Reply> to, SocketActor.Reply r) {
        to.tell(r);
        return this;
    }

    private Behavior<SocketActor.Command> onSetOption(SocketActor.SetOption m) {
        if (m.option() == SocketActor.Option.O_NONBLOCK) sk.nonblock = m.value() != 0;
        return reply(m.replyTo(), SocketActor.Reply.ok("setsockopt"));
    }

    /** net/ipv4/af_inet.c: inet_listen on a LISTEN socket: only the backlog changes. */
    private Behavior<SocketActor.Command> onListen(SocketActor.Listen m) {
        sk.skMaxAckBacklog = Socket.sysListenBacklog(m.backlog(), ns.net.sysctl.somaxconn());
        return reply(m.replyTo(), SocketActor.Reply.ok("listen"));
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_accept — with the queue empty (sk_ack_backlog read
     * lockless) a non-blocking accept gets EAGAIN and a blocking one sleeps, releasing the lock; else
     * reqsk_queue_remove under rskq_lock, holding lock_sock until it answers. A child counted but
     * not yet queued (its ehash swap is in flight) reads as empty to reqsk_queue_remove: a blocking
     * accept sleeps again, a non-blocking one gets EAGAIN.
     */
    private Behavior<SocketActor.Command> onAccept(SocketActor.Accept m) {
        if (sk.skState != TcpState.LISTEN) return reply(m.replyTo(), SocketActor.Reply.error("accept", Errno.EINVAL));
        if (queue.skAckBacklog.get() == 0) {
            if (sk.nonblock) return reply(m.replyTo(), SocketActor.Reply.error("accept", Errno.EAGAIN));
            waiters.addLast(m.replyTo());
            return this;
        }
        return reqskQueueRemove(m.replyTo());
    }

    private Behavior<SocketActor.Command> reqskQueueRemove(ActorRef<SocketActor.Reply> replyTo) {
        queueActor.tell(new RequestSockQueueActor.ReqskQueueRemove(getContext().getSelf()));
        return Locks.await(stash, SocketActor.AcceptQueueReply.class, r -> {
            if (r.child() == null) {
                if (sk.nonblock) replyTo.tell(SocketActor.Reply.error("accept", Errno.EAGAIN));
                else waiters.addFirst(replyTo); // nothing queued yet: sleep again
            } else {
                replyTo.tell(SocketActor.Reply.ok("accept", r.child()));
            }
            return Locks.release(stash, this);
        });
    }

    /** sk_data_ready: wake one sleeping accept(). */
    private Behavior<SocketActor.Command> wakeOne() {
        if (waiters.isEmpty() || queue.skAckBacklog.get() == 0) return this;
        return reqskQueueRemove(waiters.pollFirst());
    }

    /**
     * net/ipv4/tcp.c: __tcp_close on a listener, through tcp_close: CLOSE (out of lhash2), then
     * inet_csk_listen_stop resets every child still in the accept queue, and the socket is destroyed,
     * which gives its port back. Request socks die when their timer or ACK finds the listener gone.
     * Sleeping accept() calls return EINVAL. The actor (and its accept queue) stays, ignoring
     * everything, for the children still on their way to the queue.
     */
    private Behavior<SocketActor.Command> onClose(SocketActor.Close m) {
        for (Effects.Effect e : Tcp.tcpClose(ns.net, sk).list()) {
            if (e instanceof Effects.Unhash u) {
                ns.lhashRemove(u.tuple().lport(), entry);
            } else if (e instanceof Effects.ListenStop) {
                queueActor.tell(new RequestSockQueueActor.ListenStop(getContext().getSelf()));
                for (ActorRef<SocketActor.Reply> w : waiters) w.tell(SocketActor.Reply.error("accept", Errno.EINVAL));
                waiters.clear();
            } else if (e instanceof Effects.PutPort p) {
                ns.toBhash(p.port(), new BindBucketActor.PutPort(p.port(), sk));
            } else if (e instanceof Effects.Destroy) {
                ns.unregister(sk);
            } else if (!(e instanceof Effects.StateChange || e instanceof Effects.DelTimer)) {
                throw Perform.misplaced(e, "listener");
            }
        }
        // The queue actor is our child: let it finish inet_csk_listen_stop. Then the socket is gone for
        // the user, but requests and children in flight still hold it (req->rsk_listener, sock_hold), and
        // a child made just before close() still reaches inet_csk_reqsk_queue_add, which must see the
        // listener out of LISTEN and forget the child: the accept queue outlives close(), ignored by all.
        return Behaviors.receive(SocketActor.Command.class)
            .onMessage(SocketActor.ListenStopped.class, done -> {
                m.replyTo().tell(SocketActor.Reply.ok("close"));
                return Behaviors.ignore();
            })
            .onAnyMessage(other -> Behaviors.same())
            .build();
    }
}
