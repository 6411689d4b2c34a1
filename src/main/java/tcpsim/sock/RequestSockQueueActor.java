package tcpsim.sock;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.util.ArrayDeque;
import tcpsim.net.ipv4.RequestSockQueue;
import tcpsim.runtime.Receives;

/**
 * A listener's accept queue (icsk_accept_queue's rskq_accept_head/tail). Its mailbox is rskq_lock:
 * children are appended by inet_csk_reqsk_queue_add and taken by reqsk_queue_remove; neither needs
 * the listener's lock_sock.
 */
public final class RequestSockQueueActor extends AbstractBehavior<RequestSockQueueActor.Command> {
    public sealed interface Command {}

    /** net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_add */
    public record ReqskQueueAdd(ActorRef<SocketActor.Command> child) implements Command {}

    /** include/net/request_sock.h: reqsk_queue_remove — replies the head child, or null. */
    public record ReqskQueueRemove(ActorRef<SocketActor.Command> replyTo) implements Command {}

    /** net/ipv4/inet_connection_sock.c: inet_csk_listen_stop — forget every queued child. */
    public record ListenStop(ActorRef<SocketActor.Command> replyTo) implements Command {}

    private final ActorRef<SocketActor.Command> listener;
    private final RequestSockQueue queue;
    private final ArrayDeque<ActorRef<SocketActor.Command>> fifo = new ArrayDeque<>();
    private boolean stopped;
    /** Inject.REQSK_QUEUE_ADD_NO_LISTEN_CHECK: queue children without re-checking LISTEN. */
    private final boolean noListenCheck;

    static Behavior<Command> create(ActorRef<SocketActor.Command> listener, RequestSockQueue queue, boolean noListenCheck) {
        return Behaviors.setup(ctx -> new RequestSockQueueActor(ctx, listener, queue, noListenCheck));
    }

    private RequestSockQueueActor(ActorContext<Command> ctx, ActorRef<SocketActor.Command> listener, RequestSockQueue queue,
                                  boolean noListenCheck) {
        super(ctx);
        this.listener = listener;
        this.queue = queue;
        this.noListenCheck = noListenCheck;
    }

    @Override
    public Receive<Command> createReceive() {
        return Receives.of(m -> {
            if (m instanceof ReqskQueueAdd a) return onAdd(a);
            if (m instanceof ReqskQueueRemove r) return onRemove(r);
            if (m instanceof ListenStop s) return onListenStop(s);
            return Behaviors.unhandled();
        });
    }

    private Behavior<Command> onAdd(ReqskQueueAdd m) {
        // Inject (noListenCheck): no sk_state != TCP_LISTEN re-check under rskq_lock (kernel-reference 12.2 item 8)
        if (stopped && !noListenCheck) {
            // the listener left LISTEN meanwhile: inet_child_forget, and the slot taken by tcp_check_req goes back
            queue.skAckBacklog.decrementAndGet();
            m.child().tell(new SocketActor.Abort());
            return this;
        }
        fifo.addLast(m.child()); // sk_acceptq_added was counted when tcp_check_req made the child
        listener.tell(new SocketActor.DataReady()); // sk_data_ready from tcp_child_process
        return this;
    }

    private Behavior<Command> onRemove(ReqskQueueRemove m) {
        ActorRef<SocketActor.Command> child = fifo.pollFirst();
        if (child != null) queue.skAckBacklog.decrementAndGet(); // sk_acceptq_removed
        m.replyTo().tell(new SocketActor.AcceptQueueReply(child));
        return this;
    }

    private Behavior<Command> onListenStop(ListenStop m) {
        stopped = true;
        ActorRef<SocketActor.Command> child;
        while ((child = fifo.pollFirst()) != null) {
            queue.skAckBacklog.decrementAndGet();
            child.tell(new SocketActor.Abort());
        }
        m.replyTo().tell(new SocketActor.ListenStopped());
        return this;
    }
}
