package tcpsim.net.ipv4;

import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;

/** net/ipv4/tcp.c: state changes, close, disconnect and the end of a socket's life. */
public final class Tcp {
    private Tcp() {}

    /** Told of every transition (the owning actor writes the trace line). */
    @FunctionalInterface
    public interface StateObserver {
        void changed(TcpSock sk, TcpState from, TcpState to);
    }

    /**
     * net/ipv4/tcp.c: tcp_set_state — every transition passes here. It moves TcpCurrEstab and, on a
     * reset out of ESTABLISHED or CLOSE_WAIT, TcpEstabResets. Going to CLOSE it unhashes the socket
     * and, unless bind() locked the port (SOCK_BINDPORT_LOCK), gives the port back (inet_put_port).
     */
    public static void tcpSetState(Net net, TcpSock sk, TcpState state, Effects out) {
        TcpState old = sk.skState;
        if (old == state) return;
        if (state == TcpState.ESTABLISHED) {
            net.mib.inc(Counter.TcpCurrEstab);
        } else if (old == TcpState.ESTABLISHED) {
            net.mib.add(Counter.TcpCurrEstab, -1);
        }
        if (state == TcpState.CLOSE) {
            if (old == TcpState.ESTABLISHED || old == TcpState.CLOSE_WAIT) net.mib.inc(Counter.TcpEstabResets);
            inetUnhash(sk, out);
            if (sk.icskBindHash && !sk.bindPortLock) InetHashtables.inetPutPort(sk, out);
        }
        inetSkSetState(sk, state);
    }

    /** include/net/inet_sock.h: inet_sk_set_state — the state alone (and the trace): no counters, no unhash. */
    static void inetSkSetState(TcpSock sk, TcpState state) {
        TcpState old = sk.skState;
        sk.skState = state;
        if (sk.observer != null) sk.observer.changed(sk, old, state);
    }

    /** net/ipv4/inet_hashtables.c: inet_unhash — a no-op for a socket not in a table (sk_unhashed). */
    static void inetUnhash(TcpSock sk, Effects out) {
        if (!sk.hashed) return;
        sk.hashed = false;
        out.unhash(sk.tuple());
    }

    /**
     * net/ipv4/tcp.c: tcp_done — a failed or reset connection goes to CLOSE, its timers stop, and the
     * sleepers are woken; a connect() that had not finished counts as a failed attempt.
     */
    public static void tcpDone(Net net, TcpSock sk, Effects out) {
        if (sk.skState == TcpState.SYN_SENT || sk.skState == TcpState.SYN_RECV) net.mib.inc(Counter.TcpAttemptFails);
        tcpSetState(net, sk, TcpState.CLOSE, out);
        tcpClearXmitTimers(sk, out);
        out.stateChange(); // not SOCK_DEAD: the owner still holds the file
    }

    /** include/net/inet_connection_sock.h: inet_csk_clear_xmit_timers, for the timers the model has. */
    static void tcpClearXmitTimers(TcpSock sk, Effects out) {
        out.delTimer(sk.retransmitTimer);
    }

    /**
     * net/ipv4/tcp.c: __tcp_close — close() of the file. A listener goes to CLOSE and lets go of its
     * queue (inet_csk_listen_stop); CLOSE and SYN_SENT go to CLOSE without a packet
     * (tcp_close_state). Then the socket, in CLOSE, is destroyed (inet_csk_destroy_sock). The
     * synchronized states would send a FIN or a RST: teardown is not modelled yet, so the effects say
     * so and the socket is left as it was.
     */
    public static Effects tcpClose(Net net, TcpSock sk) {
        Effects out = new Effects();
        switch (sk.skState) {
            case LISTEN -> {
                tcpSetState(net, sk, TcpState.CLOSE, out);
                out.listenStop();
            }
            case CLOSE, SYN_SENT -> tcpSetState(net, sk, TcpState.CLOSE, out); // tcp_close_state: no FIN
            default -> {
                return out.notModelled("close() in " + sk.skState);
            }
        }
        out.stateChange();
        InetConnectionSock.inetCskDestroySock(sk, out);
        return out;
    }

    /**
     * net/ipv4/tcp.c: tcp_disconnect, as inet_child_forget calls it for a child left in the accept
     * queue of a listener that closed: a RST where tcp_need_reset says so, CLOSE, then (the child is
     * an orphan in CLOSE) inet_csk_destroy_sock.
     */
    public static Effects tcpDisconnectOrphan(Net net, TcpSock sk) {
        Effects out = new Effects();
        TcpState old = sk.skState;
        if (old != TcpState.CLOSE) tcpSetState(net, sk, TcpState.CLOSE, out);
        if (tcpNeedReset(old)) TcpOutput.tcpSendActiveReset(net, sk, out);
        tcpClearXmitTimers(sk, out);
        InetConnectionSock.inetCskDestroySock(sk, out);
        return out;
    }

    /** net/ipv4/tcp.c: tcp_need_reset — the states a disconnect resets. */
    static boolean tcpNeedReset(TcpState state) {
        return switch (state) {
            case ESTABLISHED, CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, SYN_RECV -> true;
            default -> false;
        };
    }

    /** include/uapi/linux/tcp.h: tcpi_options bits. */
    public static final int TCPI_OPT_TIMESTAMPS = 1, TCPI_OPT_SACK = 2, TCPI_OPT_WSCALE = 4;

    /** struct tcp_info, the fields the model keeps, under their tcpi_ names. */
    public record TcpInfo(java.util.Map<String, Long> fields) {}

    /**
     * net/ipv4/tcp.c: tcp_get_info — state, negotiated options and window scales, MSS, RTO and its
     * back-off; for a listener, tcpi_unacked and tcpi_sacked are its accept-queue length and limit. A
     * socket never hashed (never bound to a 4-tuple nor listening) reports its state alone: the model
     * keeps no tcp_sock fields for it.
     */
    public static TcpInfo tcpGetInfo(TcpSock sk, RequestSockQueue queue) {
        var info = new java.util.LinkedHashMap<String, Long>();
        info.put("tcpi_state", (long) sk.skState.number);
        if (queue == null && !sk.hashed) return new TcpInfo(info);
        info.put("tcpi_retransmits", (long) sk.icskRetransmits);
        info.put("tcpi_backoff", (long) sk.icskBackoff);
        long options = (sk.rxOpt.tstampOk ? TCPI_OPT_TIMESTAMPS : 0) | (sk.rxOpt.sackOk ? TCPI_OPT_SACK : 0)
            | (sk.rxOpt.wscaleOk ? TCPI_OPT_WSCALE : 0);
        info.put("tcpi_options", options);
        info.put("tcpi_snd_wscale", (long) (sk.rxOpt.wscaleOk ? sk.rxOpt.sndWscale : 0));
        info.put("tcpi_rcv_wscale", (long) (sk.rxOpt.wscaleOk ? sk.rxOpt.rcvWscale : 0));
        info.put("tcpi_rto", sk.icskRto / 1000);
        info.put("tcpi_snd_mss", (long) sk.mssCache);
        info.put("tcpi_advmss", (long) sk.advmss);
        info.put("tcpi_total_rto", (long) sk.totalRto);
        if (queue != null) {
            info.put("tcpi_unacked", (long) queue.skAckBacklog.get());
            info.put("tcpi_sacked", (long) sk.skMaxAckBacklog);
        }
        return new TcpInfo(info);
    }
}
