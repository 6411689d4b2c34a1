package tcpsim.net.ipv4;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * include/net/request_sock.h: struct request_sock_queue's counters, plus the listener's
 * sk_ack_backlog. The SYN path reads and moves them without the listener's lock (atomics, as in
 * the kernel); the accept FIFO itself belongs to the queue actor (rskq_lock).
 */
public final class RequestSockQueue {
    public final AtomicInteger qlen = new AtomicInteger();
    public final AtomicInteger young = new AtomicInteger();
    public final AtomicInteger skAckBacklog = new AtomicInteger();

    /** include/net/request_sock.h: reqsk_queue_added */
    public void reqskQueueAdded() {
        young.incrementAndGet();
        qlen.incrementAndGet();
    }

    /** include/net/request_sock.h: reqsk_queue_removed */
    public void reqskQueueRemoved(RequestSock req) {
        if (req.numTimeout == 0) young.decrementAndGet();
        qlen.decrementAndGet();
    }

    /**
     * include/net/inet_connection_sock.h: inet_csk_reqsk_queue_is_full — qlen > backlog. Strict since
     * Linux 6.14 and in the 6.6/6.12 stable series ("tcp/dccp: allow a connection when
     * sk_max_ack_backlog is zero"); the live 6.18 kernel agrees (listen-backlog-zero.pkt), where the
     * 6.12.0 source kernel-reference.md was written from had >=.
     */
    public boolean inetCskReqskQueueIsFull(int maxAckBacklog) {
        return qlen.get() > maxAckBacklog;
    }

    /** include/net/sock.h: sk_acceptq_is_full — strictly greater: backlog + 1 children fit. */
    public boolean skAcceptqIsFull(int maxAckBacklog) {
        return skAckBacklog.get() > maxAckBacklog;
    }
}
