package tcpsim.net.ipv4;

import tcpsim.net.Mib;

/** net/ipv4/inet_connection_sock.c: listen start, accept, and the request sock timer. */
public final class InetConnectionSock {
    private InetConnectionSock() {}

    /** CONFIG_HZ on the project's machines (kernel-baseline.md): one jiffy is 4 ms. */
    public static final int HZ = 250;
    public static final long JIFFY = 1_000_000_000L / HZ;
    /** include/net/tcp.h: TCP_TIMEOUT_INIT, 1 s */
    public static final long TCP_TIMEOUT_INIT = 1_000_000_000L;
    /** include/net/tcp.h: TCP_RTO_MAX, 120 s */
    public static final long TCP_RTO_MAX = 120_000_000_000L;
    /** include/net/tcp.h: TCP_TIMEOUT_MIN, 2 jiffies */
    public static final long TCP_TIMEOUT_MIN = 2 * JIFFY;

    /** net/ipv4/inet_connection_sock.c: reqsk_queue_alloc — a fresh, empty queue. */
    public static RequestSockQueue reqskQueueAlloc() {
        return new RequestSockQueue();
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_listen_start, the part under lock_sock before
     * get_port: queue allocated, sk_ack_backlog = 0, and the state set to LISTEN *before* the port
     * is re-validated ("There is race window here"). The caller then runs get_port; on failure it
     * calls {@link #listenStartFailed}.
     */
    public static RequestSockQueue inetCskListenStart(TcpSock sk, Mib mib) {
        RequestSockQueue q = reqskQueueAlloc();
        Tcp.tcpSetState(sk, TcpState.LISTEN, mib);
        return q;
    }

    /** inet_csk_listen_start's failure path: inet_sk_set_state(sk, TCP_CLOSE), return EADDRINUSE. */
    public static Errno listenStartFailed(TcpSock sk, Mib mib) {
        Tcp.tcpSetState(sk, TcpState.CLOSE, mib);
        return Errno.EADDRINUSE;
    }

    /** include/net/inet_connection_sock.h: reqsk_timeout — min(timeout << num_timeout, max). */
    public static long reqskTimeout(RequestSock req, long max) {
        int shift = Math.min(req.numTimeout, 30);
        long t = req.timeout << shift;
        return t < 0 || t > max ? max : t;
    }

    /** What the request timer decided. */
    public enum ReqskTimer { RETRANSMITTED, EXPIRED }

    /**
     * net/ipv4/inet_connection_sock.c: reqsk_timer_handler with syn_ack_recalc (no defer-accept) — retransmit
     * the SYN-ACK with exponential back-off, or drop the request when the retries are spent. The
     * budget shrinks when old requests crowd the queue ("we reserve half of room for young embrions").
     */
    public static ReqskTimer reqskTimerHandler(RequestSock req, RequestSockQueue queue, int maxAckBacklog,
                                              int synackRetries, int advmss, long nowNanos, Effects out, Mib mib) {
        int maxSynAckRetries = synackRetries;
        int qlen = queue.qlen.get();
        if ((qlen << 1) > Math.max(8, maxAckBacklog)) {
            int young = queue.young.get() << 1;
            while (maxSynAckRetries > 2) {
                if (qlen < young) break;
                maxSynAckRetries--;
                young <<= 1;
            }
        }
        boolean expire = req.numTimeout >= maxSynAckRetries; // syn_ack_recalc, no defer
        if (!expire) {
            // inet_rtx_syn_ack -> tcp_rtx_synack
            out.emit(TcpOutput.tcpMakeSynack(req, nowNanos, advmss));
            req.numRetrans++;
            mib.inc(Mib.Counter.TcpRetransSegs);
            mib.inc(Mib.Counter.TcpOutSegs);
            if (req.numTimeout++ == 0) queue.young.decrementAndGet();
            out.modTimer(req.rskTimer, nowNanos + reqskTimeout(req, TCP_RTO_MAX));
            return ReqskTimer.RETRANSMITTED;
        }
        return ReqskTimer.EXPIRED;
    }
}
