package tcpsim.net.ipv4;

import tcpsim.net.Mib;
import tcpsim.net.Mib.Counter;
import tcpsim.net.SeqNum;
import tcpsim.net.Skb;

/** net/ipv4/tcp_minisocks.c: the request sock's side of the handshake. */
public final class TcpMinisocks {
    private TcpMinisocks() {}

    /** What tcp_check_req decided for a segment that hit a request sock. */
    public sealed interface CheckReq {
        /** Handled (or dropped) here; nothing else to do. */
        record Done() implements CheckReq {}
        /** Return the listener: tcp_v4_do_rcv runs the LISTEN case, which answers an ACK with a RST. */
        record Listener() implements CheckReq {}
        /** Send this RST and drop the request (embryonic_reset, or abort_on_overflow). */
        record ResetAndDrop(Skb rst) implements CheckReq {}
        /** Drop the request silently (embryonic_reset on a RST). */
        record Drop() implements CheckReq {}
        /** syn_recv_sock: a child was created; swap it into ehash in place of the request. */
        record Child(TcpSock child) implements CheckReq {}
    }

    public static final CheckReq DONE = new CheckReq.Done();

    /**
     * net/ipv4/tcp_minisocks.c: tcp_check_req — a segment for a request sock: a retransmitted SYN, the
     * final ACK, or something to reject. Creating the child includes tcp_v4_syn_recv_sock's accept
     * queue check: with the queue full the ACK is dropped and the request kept (its timer will send
     * the SYN-ACK again), or, with tcp_abort_on_overflow, reset.
     */
    public static CheckReq tcpCheckReq(RequestSock req, Skb skb, ListenerState listener, boolean tsAllowed,
                                       int advmss, long nowNanos, Effects out, Mib mib) {
        TcpInput.ParsedOptions opt = TcpInput.tcpParseOptions(skb, true, tsAllowed && req.tstampOk, false, false, 0);
        int flg = skb.flags() & (Skb.RST | Skb.SYN | Skb.ACK);

        // a retransmitted SYN: answer with the SYN-ACK again and restart the timer with the back-off
        if (skb.seq() == req.rcvIsn && flg == Skb.SYN) {
            out.emit(TcpOutput.tcpMakeSynack(req, nowNanos, advmss));
            req.numRetrans++;
            mib.inc(Counter.TcpRetransSegs);
            mib.inc(Counter.TcpOutSegs);
            out.modTimer(req.rskTimer, nowNanos + InetConnectionSock.reqskTimeout(req, InetConnectionSock.TCP_RTO_MAX));
            return DONE;
        }
        // RFC 793 page 36: "If the connection is in any non-synchronized state ... and the incoming
        // segment acknowledges something not yet sent ... a reset is sent." The listener does it.
        if ((flg & Skb.ACK) != 0 && skb.ackSeq() != req.sntIsn + 1) return new CheckReq.Listener();

        int rcvNxt = req.rcvIsn + 1;
        int window = req.rcvWnd; // tcp_synack_window
        if (!tcpInWindow(skb.seq(), skb.endSeq(), rcvNxt, rcvNxt + window)) {
            if ((flg & Skb.RST) == 0) out.emit(reqAck(req, nowNanos));
            return DONE;
        }
        if (opt.sawTstamp() && !SeqNum.after(skb.seq(), rcvNxt)) req.tsRecent = opt.rcvTsval();
        if (skb.seq() == req.rcvIsn) flg &= ~Skb.SYN;
        if ((flg & (Skb.RST | Skb.SYN)) != 0) {
            mib.inc(Counter.TcpAttemptFails);
            mib.inc(Counter.TcpExtEmbryonicRsts);
            return (flg & Skb.RST) != 0 ? new CheckReq.Drop() : new CheckReq.ResetAndDrop(TcpIpv4.tcpV4SendReset(skb));
        }
        if ((flg & Skb.ACK) == 0) return DONE;

        // tcp_v4_syn_recv_sock
        if (listener.queue().skAcceptqIsFull(listener.maxAckBacklog())) {
            mib.inc(Counter.TcpExtListenOverflows);
            mib.inc(Counter.TcpExtListenDrops);
            // listen_overflow: drop the ACK, keep the request (req->acked matters only with TCP_DEFER_ACCEPT)
            if (listener.abortOnOverflow() == 0) return DONE;
            mib.inc(Counter.TcpExtEmbryonicRsts);
            return new CheckReq.ResetAndDrop(TcpIpv4.tcpV4SendReset(skb));
        }
        // inet_csk_complete_hashdance's sk_acceptq_added happens in this same call chain in the kernel:
        // take the accept-queue slot now, so the next ACK's check sees it (released if the child loses).
        listener.queue().skAckBacklog.incrementAndGet();
        return new CheckReq.Child(tcpCreateOpenreqChild(req, skb, advmss, mib));
    }

    /** The listener fields tcp_check_req reads without the listener's lock. */
    public record ListenerState(int maxAckBacklog, RequestSockQueue queue, int abortOnOverflow) {}

    /** include/net/tcp.h: tcp_in_window — does [seq, end_seq] touch [s_win, e_win]? */
    static boolean tcpInWindow(int seq, int endSeq, int sWin, int eWin) {
        if (seq == sWin) return true;
        if (SeqNum.after(endSeq, sWin) && SeqNum.before(seq, eWin)) return true;
        return seq == eWin && seq == endSeq;
    }

    /** net/ipv4/tcp_ipv4.c: tcp_v4_reqsk_send_ack — the ACK a request sends to an out-of-window segment. */
    static Skb reqAck(RequestSock req, long nowNanos) {
        FourTuple t = req.tuple;
        var opts = req.tstampOk
            ? TcpOutput.tcpOptionsWrite(0, false, true, TcpOutput.tcpTimeStampMs(nowNanos) + req.tsOff, req.tsRecent, -1)
            : java.util.List.<tcpsim.net.TcpOption>of();
        return new Skb(t.laddr(), t.raddr(), t.lport(), t.rport(), req.sntIsn + 1, req.rcvIsn + 1, Skb.ACK,
            req.rcvWnd >>> req.rcvWscale, opts);
    }

    /**
     * net/ipv4/tcp_minisocks.c: tcp_create_openreq_child — the child, in SYN_RECV, takes the request's
     * numbers and options. Counts the passive open.
     */
    public static TcpSock tcpCreateOpenreqChild(RequestSock req, Skb skb, int advmss, Mib mib) {
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
        mib.inc(Counter.TcpPassiveOpens);
        return c;
    }

    /**
     * net/ipv4/tcp_minisocks.c: tcp_child_process — the child runs tcp_rcv_state_process on the ACK that
     * created it: in SYN_RECV an acceptable ACK makes it ESTABLISHED.
     */
    public static void tcpChildProcess(TcpSock child, Skb skb, Mib mib) {
        // tcp_rcv_state_process, case TCP_SYN_RECV
        if (child.skState == TcpState.SYN_RECV && skb.ack()
            && !SeqNum.before(skb.ackSeq(), child.sndUna) && !SeqNum.after(skb.ackSeq(), child.sndNxt)) {
            child.sndUna = skb.ackSeq();
            child.sndWnd = skb.window() << child.rxOpt.sndWscale;
            child.sndWl1 = skb.seq();
            child.sockState = TcpSock.SocketState.SS_CONNECTED;
            Tcp.tcpSetState(child, TcpState.ESTABLISHED, mib);
        }
    }
}
