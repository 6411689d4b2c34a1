package tcpsim.net.ipv4;

import java.util.Map;
import tcpsim.net.Inject;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;
import tcpsim.net.ipv4.InetHashtables.InetBindBucket;

/** net/ipv4/inet_connection_sock.c: ports, listen start and stop, and the request sock timer. */
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
     * net/ipv4/inet_connection_sock.c: inet_csk_get_port for an explicit port, under the bucket lock:
     * from bind(), or from inet_csk_listen_start re-validating a bound socket now in LISTEN. A port
     * nobody holds gets a new bucket; one held by others is checked for conflicts; then the fast-reuse
     * flags are updated and the socket joins the owners. Returns EADDRINUSE or null.
     */
    public static Errno inetCskGetPort(Map<Integer, InetBindBucket> bhash, int port, BindOwner sk) {
        InetBindBucket tb = bhash.get(port);
        if (tb == null) {
            tb = InetHashtables.inetBindBucketCreate(bhash, port, 0);
        } else if (inetCskBindConflict(tb, sk)) {
            return Errno.EADDRINUSE;
        }
        InetHashtables.inetBindHash(tb, sk);
        inetCskUpdateFastreuse(tb);
        return null;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_bind_conflict with relax and reuseport_ok (an explicit
     * bind or listen): SO_REUSEADDR on both shares the port unless the other listens; SO_REUSEPORT on
     * both shares it (same user assumed); anything else on an overlapping address conflicts.
     */
    static boolean inetCskBindConflict(InetBindBucket tb, BindOwner sk) {
        for (BindOwner sk2 : tb.owners) {
            if (sk2.same(sk)) continue;
            boolean overlap = sk.addr() == 0 || sk2.addr() == 0 || sk.addr() == sk2.addr();
            if (!overlap) continue;
            if (sk.reuse() && sk2.reuse() && !sk2.listen()) continue;
            if (sk.reuseport() && sk2.reuseport()) continue;
            return true;
        }
        return false;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_update_fastreuse, as flags over all owners: fastreuse
     * while every owner has SO_REUSEADDR and none listens, fastreuseport while every owner has
     * SO_REUSEPORT. A bucket made by connect() stays one.
     */
    static void inetCskUpdateFastreuse(InetBindBucket tb) {
        if (tb.fastreuse < 0 && tb.fastreuseport < 0) return;
        boolean all = true, allPort = true;
        for (BindOwner o : tb.owners) {
            all &= o.reuse() && !o.listen();
            allPort &= o.reuseport();
        }
        tb.fastreuse = all ? 1 : 0;
        tb.fastreuseport = allPort ? 1 : 0;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_listen_start, the part under lock_sock before
     * get_port: queue allocated, sk_ack_backlog = 0, and the state set to LISTEN *before* the port
     * is re-validated ("There is race window here"). The caller then runs get_port; on failure it
     * calls {@link #inetCskListenStartFailed}.
     */
    public static RequestSockQueue inetCskListenStart(Net net, TcpSock sk) {
        RequestSockQueue q = reqskQueueAlloc();
        Tcp.tcpSetState(net, sk, TcpState.LISTEN, new Effects()); // not CLOSE: no effects
        return q;
    }

    /**
     * inet_csk_listen_start's two ends once get_port answered: on success the listener is hashed into
     * lhash2 (sk->sk_prot->hash); on failure inet_sk_set_state(sk, TCP_CLOSE) — no tcp_set_state, so
     * nothing is unhashed or put — and EADDRINUSE.
     */
    public static Errno inetCskListenStartDone(TcpSock sk, Errno getPort) {
        if (getPort == null) {
            sk.hashed = true;
            return null;
        }
        Tcp.inetSkSetState(sk, TcpState.CLOSE);
        return Errno.EADDRINUSE;
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_destroy_sock — a socket in CLOSE and out of the tables
     * is freed: sk_prot->destroy (tcp_v4_destroy_sock), then the last reference goes.
     */
    static void inetCskDestroySock(TcpSock sk, Effects out) {
        TcpIpv4.tcpV4DestroySock(sk, out);
        out.destroy();
    }

    /**
     * tcp_conn_request's tail once the request is in ehash (inet_csk_reqsk_queue_hash_add): the
     * SYN-ACK goes out (af_ops->send_synack) and the request's timer runs for its first timeout.
     */
    public static Effects inetCskReqskQueueHashAdd(Net net, RequestSock req) {
        return new Effects().emit(TcpOutput.tcpMakeSynack(net, req)).modTimer(req.rskTimer, net.now() + req.timeout);
    }

    /**
     * net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_drop — the request leaves ehash and the
     * SYN queue, and its timer stops.
     */
    public static Effects inetCskReqskQueueDrop(Net net, RequestSock req, RequestSockQueue queue) {
        queue.reqskQueueRemoved(req);
        Effects out = new Effects();
        reqskQueueUnlinkTimer(net, req, out);
        return out.unhash(req.tuple);
    }

    /**
     * inet_csk_reqsk_queue_drop as inet_csk_complete_hashdance runs it for a request its child now
     * owns: the ehash swap already unlinked it and the child took it off the SYN queue; the timer stops.
     */
    public static Effects inetCskReqskQueueDropOwned(RequestSock req) {
        return new Effects().delTimer(req.rskTimer);
    }

    /**
     * net/ipv4/inet_connection_sock.c: does reqsk_queue_unlink (from __inet_csk_reqsk_queue_drop) stop
     * the request's timer? 6.12 deletes it whatever its state (timer_delete_sync, which waits for a
     * running handler; here the generation bump makes an expiry already on its way stale). From the
     * handler itself the timer is no longer pending and nothing is left to stop.
     */
    public static boolean reqskQueueUnlinkStopsTimer(Net net, RequestSock req) {
        // Inject: the pre-CVE-2024-50154 "timer_pending() && del_timer_sync()": a handler already running is not stopped (kernel-reference 12.2 item 3)
        return !(net.injected(Inject.REQSK_UNLINK_TIMER_PENDING) && !req.rskTimer.timerPending());
    }

    static void reqskQueueUnlinkTimer(Net net, RequestSock req, Effects out) {
        if (reqskQueueUnlinkStopsTimer(net, req)) out.delTimer(req.rskTimer);
    }

    /** include/net/inet_connection_sock.h: reqsk_timeout — min(timeout << num_timeout, max). */
    public static long reqskTimeout(RequestSock req, long max) {
        int shift = Math.min(req.numTimeout, 30);
        long t = req.timeout << shift;
        return t < 0 || t > max ? max : t;
    }

    /**
     * net/ipv4/inet_connection_sock.c: reqsk_timer_handler with syn_ack_recalc (no defer-accept) —
     * retransmit the SYN-ACK with exponential back-off, or drop the request when the retries are
     * spent. The budget shrinks when old requests crowd the queue ("we reserve half of room for young
     * embrions").
     */
    public static Effects reqskTimerHandler(Net net, RequestSock req, RequestSockQueue queue, int maxAckBacklog,
                                            int synackRetries) {
        Effects out = new Effects();
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
        net.mib.inc(Counter.TcpExtTCPTimeouts); // tcp_syn_ack_timeout, on every expiry
        if (!expire) {
            TcpOutput.tcpRtxSynack(net, req, out); // inet_rtx_syn_ack
            if (req.numTimeout++ == 0) queue.young.decrementAndGet();
            return out.modTimer(req.rskTimer, net.now() + reqskTimeout(req, TCP_RTO_MAX));
        }
        return out.reqskDrop(); // inet_csk_reqsk_queue_drop_and_put
    }
}
