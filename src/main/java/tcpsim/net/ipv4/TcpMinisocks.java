package tcpsim.net.ipv4;

import tcpsim.net.Mib.Counter;
import tcpsim.net.Mib;
import tcpsim.net.Net;
import tcpsim.net.SeqNum;
import tcpsim.net.Skb;

/** net/ipv4/tcp_minisocks.c: the request sock's side of the handshake. */
public final class TcpMinisocks {
    private TcpMinisocks() {}

    /**
     * net/ipv4/tcp_minisocks.c: tcp_check_req — a segment for a request sock: a retransmitted SYN, the
     * final ACK, or something to reject. Creating the child includes tcp_v4_syn_recv_sock's accept
     * queue check: with the queue full the ACK is dropped and the request kept (its timer will send
     * the SYN-ACK again), or, with tcp_abort_on_overflow, reset. The effects end with ReqskDrop when
     * the request is to go, or NewChild when a child was made.
     */
    public static Effects tcpCheckReq(Net net, RequestSock req, Skb skb, ListenerState listener) {
        Effects out = new Effects();
        Mib mib = net.mib;
        long nowNanos = net.now();
        TcpInput.ParsedOptions opt = TcpInput.tcpParseOptions(skb, true, net.sysctl.tcpTimestamps() != 0 && req.tstampOk,
            false, false, 0);
        int flg = skb.flags() & (Skb.RST | Skb.SYN | Skb.ACK);

        // a retransmitted SYN: answer with the SYN-ACK again and restart the timer with the back-off
        if (skb.seq() == req.rcvIsn && flg == Skb.SYN) {
            TcpOutput.tcpRtxSynack(net, req, out); // inet_rtx_syn_ack
            return out.modTimer(req.rskTimer, nowNanos + InetConnectionSock.reqskTimeout(req, InetConnectionSock.TCP_RTO_MAX));
        }
        // RFC 793 page 36: "If the connection is in any non-synchronized state ... and the incoming
        // segment acknowledges something not yet sent ... a reset is sent." tcp_check_req returns the
        // listener, and tcp_v4_do_rcv runs its LISTEN case; the request stays.
        if ((flg & Skb.ACK) != 0 && skb.ackSeq() != req.sntIsn + 1) {
            return TcpInput.tcpRcvStateProcess(net, listener.sk(), skb);
        }

        int rcvNxt = req.rcvIsn + 1;
        int window = req.rcvWnd; // tcp_synack_window
        if (!tcpInWindow(skb.seq(), skb.endSeq(), rcvNxt, rcvNxt + window)) {
            if ((flg & Skb.RST) == 0) out.emit(tcpV4ReqskSendAck(net, req));
            return out;
        }
        if (opt.sawTstamp() && !SeqNum.after(skb.seq(), rcvNxt)) req.tsRecent = opt.rcvTsval();
        if (skb.seq() == req.rcvIsn) flg &= ~Skb.SYN;
        if ((flg & (Skb.RST | Skb.SYN)) != 0) {
            mib.inc(Counter.TcpAttemptFails);
            mib.inc(Counter.TcpExtEmbryonicRsts);
            // embryonic_reset: a RST is not answered; a SYN is
            if ((flg & Skb.RST) == 0) out.emit(TcpIpv4.tcpV4SendReset(net, skb));
            return out.reqskDrop();
        }
        if ((flg & Skb.ACK) == 0) return out;

        // tcp_v4_syn_recv_sock
        if (listener.queue().skAcceptqIsFull(listener.sk().skMaxAckBacklog)) {
            mib.inc(Counter.TcpExtListenOverflows);
            mib.inc(Counter.TcpExtListenDrops);
            // listen_overflow: drop the ACK, keep the request (req->acked matters only with TCP_DEFER_ACCEPT)
            if (net.sysctl.tcpAbortOnOverflow() == 0) return out;
            mib.inc(Counter.TcpExtEmbryonicRsts);
            out.emit(TcpIpv4.tcpV4SendReset(net, skb));
            return out.reqskDrop();
        }
        // inet_csk_complete_hashdance's sk_acceptq_added happens in this same call chain in the kernel:
        // take the accept-queue slot now, so the next ACK's check sees it (released if the child loses).
        listener.queue().skAckBacklog.incrementAndGet();
        return out.newChild(tcpCreateOpenreqChild(net, req, skb));
    }

    /** The listener as tcp_check_req reads it, without the listener's lock: its sock and its queue. */
    public record ListenerState(TcpSock sk, RequestSockQueue queue) {}

    /** include/net/tcp.h: tcp_in_window — does [seq, end_seq] touch [s_win, e_win]? */
    static boolean tcpInWindow(int seq, int endSeq, int sWin, int eWin) {
        if (seq == sWin) return true;
        if (SeqNum.after(endSeq, sWin) && SeqNum.before(seq, eWin)) return true;
        return seq == eWin && seq == endSeq;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_reqsk_send_ack — the ACK a request sends to an out-of-window segment
     * (tcp_v4_send_ack counts it in TcpOutSegs).
     */
    static Skb tcpV4ReqskSendAck(Net net, RequestSock req) {
        net.mib.inc(Counter.TcpOutSegs);
        FourTuple t = req.tuple;
        var opts = req.tstampOk
            ? TcpOutput.tcpOptionsWrite(0, false, true, TcpOutput.tcpTimeStampMs(net.now()) + req.tsOff, req.tsRecent, -1)
            : java.util.List.<tcpsim.net.TcpOption>of();
        return new Skb(t.laddr(), t.raddr(), t.lport(), t.rport(), req.sntIsn + 1, req.rcvIsn + 1, Skb.ACK,
            req.rcvWnd >>> req.rcvWscale, opts);
    }

    /**
     * net/ipv4/tcp_minisocks.c: tcp_create_openreq_child — the child, in SYN_RECV, takes the request's
     * numbers and options. Counts the passive open.
     */
    public static TcpSock tcpCreateOpenreqChild(Net net, RequestSock req, Skb skb) {
        int advmss = net.advmss();
        TcpSock c = new TcpSock();
        c.skState = TcpState.SYN_RECV;
        c.sockState = TcpSock.SocketState.SS_UNCONNECTED;
        c.inetSaddr = req.tuple.laddr();
        c.inetDaddr = req.tuple.raddr();
        c.inetNum = req.tuple.lport();
        c.inetDport = req.tuple.rport();
        c.rcvNxt = req.rcvIsn + 1;
        c.rcvWup = c.rcvNxt;
        c.sndUna = req.sntIsn + 1;
        c.sndNxt = c.sndUna;
        c.writeSeq = c.sndUna;
        c.sndWl1 = req.rcvIsn;
        c.rcvWnd = req.rcvWnd;
        c.windowClamp = req.windowClamp;
        c.rxOpt.tstampOk = req.tstampOk;
        c.rxOpt.sackOk = req.sackOk;
        c.rxOpt.wscaleOk = req.wscaleOk;
        c.rxOpt.sndWscale = req.wscaleOk ? req.sndWscale : 0;
        c.rxOpt.rcvWscale = req.wscaleOk ? req.rcvWscale : 0;
        c.rxOpt.tsRecent = req.tsRecent;
        c.rxOpt.mssClamp = req.mss;
        c.tsoffset = req.tsOff;
        c.sndWnd = skb.window() << c.rxOpt.sndWscale;
        c.maxWindow = c.sndWnd;
        c.advmss = advmss;
        c.mssCache = Math.min(req.mss, advmss) - (req.tstampOk ? TcpOutput.TCPOLEN_TSTAMP_ALIGNED : 0);
        c.icskRto = InetConnectionSock.TCP_TIMEOUT_INIT;
        net.mib.inc(Counter.TcpPassiveOpens);
        return c;
    }

    /**
     * net/ipv4/tcp_minisocks.c: tcp_child_process — the child, not yet owned by a user, runs
     * tcp_rcv_state_process on the ACK that created it: in SYN_RECV an acceptable ACK makes it
     * ESTABLISHED. (The parent's sk_data_ready is the accept queue's, once the child is queued.)
     */
    public static Effects tcpChildProcess(Net net, TcpSock child, Skb skb) {
        return TcpInput.tcpRcvStateProcess(net, child, skb);
    }
}
