package tcpsim.net.ipv4;

import tcpsim.net.Mib.Counter;
import tcpsim.net.Mib;
import tcpsim.net.Net;
import tcpsim.net.SeqNum;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/** net/ipv4/tcp_input.c: the receive side: the state machine and the handshake. */
public final class TcpInput {
    private TcpInput() {}

    /**
     * net/ipv4/tcp_input.c: tcp_rcv_state_process — the one dispatch of a segment on the socket's state,
     * for every state (ESTABLISHED comes here too: tcp_rcv_established is not modelled). Where the
     * kernel returns 1, tcp_v4_do_rcv sends a RST for the segment: that RST is in the effects. States
     * whose processing is not modelled yet say so.
     */
    public static Effects tcpRcvStateProcess(Net net, TcpSock sk, Skb skb) {
        Effects out = new Effects();
        switch (sk.skState) {
            case CLOSE -> {
                // The kernel unhashes under the socket lock, so a segment never meets a CLOSE socket
                // it found in ehash; the model's unhash is a message, and a segment that won that race
                // is answered as the lookup after the unhash would have it: no_tcp_socket.
                if (!skb.rst()) out.emit(TcpIpv4.tcpV4SendReset(net, skb));
            }
            case LISTEN -> {
                if (skb.ack()) return out.emit(TcpIpv4.tcpV4SendReset(net, skb)); // return 1
                if (skb.rst() || !skb.syn() || skb.fin()) return out; // discard
                out.connRequest(skb); // icsk_af_ops->conn_request
            }
            case SYN_SENT -> {
                switch (tcpRcvSynsentStateProcess(net, sk, skb, out)) {
                    case RESET -> out.emit(TcpIpv4.tcpV4SendReset(net, skb)); // reset_and_undo: return 1
                    case SIMULTANEOUS_OPEN -> out.notModelled("simultaneous open (SYN in SYN_SENT)");
                    case ESTABLISHED, REFUSED, DISCARD -> { }
                }
            }
            case SYN_RECV -> {
                // tcp_ack's acceptability check for the ACK that completes a passive open
                if (skb.ack() && !SeqNum.before(skb.ackSeq(), sk.sndUna) && !SeqNum.after(skb.ackSeq(), sk.sndNxt)) {
                    sk.sndUna = skb.ackSeq();
                    sk.sndWnd = skb.window() << sk.rxOpt.sndWscale;
                    sk.sndWl1 = skb.seq();
                    sk.sockState = TcpSock.SocketState.SS_CONNECTED;
                    Tcp.tcpSetState(net, sk, TcpState.ESTABLISHED, out);
                    out.stateChange();
                } else {
                    out.notModelled("segment in SYN_RECV that does not complete the handshake: " + skb);
                }
            }
            case NEW_SYN_RECV -> throw new IllegalStateException("a request sock's segments go to tcp_check_req");
            case ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT ->
                out.notModelled("segment in " + sk.skState + ": " + skb);
        }
        return out;
    }

    /** struct tcp_options_received as tcp_parse_options fills it for one segment. */
    public record ParsedOptions(boolean sawTstamp, int rcvTsval, int rcvTsecr, int mssClamp, boolean sackOk,
                                boolean wscaleOk, int sndWscale) {}

    /** include/net/tcp.h: TCP_MSS_DEFAULT — assumed when a SYN carries no MSS option (RFC 1122). */
    public static final int TCP_MSS_DEFAULT = 536;

    /**
     * net/ipv4/tcp_input.c: tcp_parse_options, for a segment seen before the connection is
     * established: window scale, SACK-permitted and MSS only count on a SYN and only if the sysctl
     * allows them.
     */
    public static ParsedOptions tcpParseOptions(Skb skb, boolean estab, boolean tsAllowed, boolean sackAllowed,
                                                boolean wscaleAllowed, int userMss) {
        boolean sawTs = false, sack = false, ws = false;
        int tsval = 0, tsecr = 0, mss = 0, shift = 0;
        for (TcpOption o : skb.options()) {
            if (o instanceof TcpOption.Mss m && skb.syn() && !estab) {
                mss = m.mss();
                if (userMss != 0 && userMss < mss) mss = userMss;
            } else if (o instanceof TcpOption.WindowScale w && skb.syn() && !estab && wscaleAllowed) {
                ws = true;
                shift = Math.min(w.shift(), TcpOutput.TCP_MAX_WSCALE); // "Illegal window scaling value" clamps
            } else if (o instanceof TcpOption.SackPermitted && skb.syn() && !estab && sackAllowed) {
                sack = true;
            } else if (o instanceof TcpOption.Timestamp t && tsAllowed) {
                sawTs = true;
                tsval = t.val();
                tsecr = t.ecr();
            }
        }
        return new ParsedOptions(sawTs, tsval, tsecr, mss, sack, ws, shift);
    }

    /** The listener state tcp_conn_request reads without its lock. */
    public record ListenerView(int maxAckBacklog, RequestSockQueue queue, int synackRetries) {}

    /**
     * net/ipv4/tcp_input.c: tcp_conn_request — decide whether a SYN to a listener becomes a request
     * sock. Returns the new request (not yet hashed: the caller inserts it into ehash, then sends its
     * SYN-ACK and arms its timer, as inet_csk_reqsk_queue_hash_add and send_synack do), or null when
     * the SYN is dropped. Syncookies are not modelled yet: where the kernel would answer with a cookie,
     * the model drops the SYN and counts TCPReqQFullDoCookies, so the difference is visible.
     */
    public static RequestSock tcpConnRequest(Net net, ListenerView lsk, Skb skb, int twIsn) {
        var s = net.sysctl;
        Mib mib = net.mib;
        boolean wantCookie = false;
        if ((s.tcpSyncookies() == 2 || lsk.queue().inetCskReqskQueueIsFull(lsk.maxAckBacklog())) && twIsn == 0) {
            wantCookie = tcpSynFloodAction(s.tcpSyncookies(), mib);
            if (!wantCookie) return drop(mib);
        }
        if (lsk.queue().skAcceptqIsFull(lsk.maxAckBacklog())) {
            mib.inc(Counter.TcpExtListenOverflows);
            return drop(mib);
        }
        if (wantCookie) return drop(mib);

        FourTuple tuple = FourTuple.ofIncoming(skb);
        RequestSock req = new RequestSock(tuple);
        ParsedOptions opt = tcpParseOptions(skb, false, s.tcpTimestamps() != 0, s.tcpSack() != 0,
            s.tcpWindowScaling() != 0, 0);
        // tcp_openreq_init
        req.rcvIsn = skb.seq();
        req.mss = opt.mssClamp() != 0 ? opt.mssClamp() : TCP_MSS_DEFAULT;
        req.tstampOk = opt.sawTstamp();
        req.sackOk = opt.sackOk();
        req.wscaleOk = opt.wscaleOk();
        req.sndWscale = opt.sndWscale();
        req.tsRecent = opt.sawTstamp() ? opt.rcvTsval() : 0;
        if (req.tstampOk && s.tcpTimestamps() == 1)
            req.tsOff = SecureSeq.secureTcpTsOff(net.tsSecret, tuple.laddr(), tuple.raddr());

        if (twIsn == 0) {
            // "Kill the following clause, if you dislike this way." — without syncookies the last
            // quarter of the backlog is kept for proven peers; the model has no TCP metrics cache,
            // so no peer is proven.
            if (s.tcpSyncookies() == 0
                && s.tcpMaxSynBacklog() - lsk.queue().qlen.get() < (s.tcpMaxSynBacklog() >> 2)) {
                return drop(mib);
            }
            req.sntIsn = SecureSeq.secureTcpSeq(net.isnSecret, tuple.laddr(), tuple.raddr(), tuple.lport(),
                tuple.rport(), net.now());
        } else {
            req.sntIsn = twIsn;
        }
        // tcp_openreq_init_rwin
        int mss = net.advmss() - (req.tstampOk ? TcpOutput.TCPOLEN_TSTAMP_ALIGNED : 0);
        TcpOutput.InitialWindow w = TcpOutput.tcpSelectInitialWindow(TcpOutput.tcpFullSpace(s.tcpRmemDefault()),
            mss, 0, req.wscaleOk, s.tcpRmemMax(), s.rmemMax());
        req.rcvWnd = w.rcvWnd();
        req.windowClamp = w.windowClamp();
        req.rcvWscale = w.rcvWscale();
        req.timeout = InetConnectionSock.TCP_TIMEOUT_INIT; // tcp_timeout_init
        return req;
    }

    private static RequestSock drop(Mib mib) {
        mib.inc(Counter.TcpExtListenDrops); // tcp_listendrop
        return null;
    }

    /** net/ipv4/tcp_input.c: tcp_syn_flood_action */
    static boolean tcpSynFloodAction(int syncookies, Mib mib) {
        if (syncookies != 0) {
            mib.inc(Counter.TcpExtTCPReqQFullDoCookies);
            return true;
        }
        mib.inc(Counter.TcpExtTCPReqQFullDrop);
        return false;
    }

    /** The outcome of tcp_rcv_synsent_state_process. */
    enum SynSent { ESTABLISHED, RESET, REFUSED, DISCARD, SIMULTANEOUS_OPEN }

    /**
     * net/ipv4/tcp_input.c: tcp_rcv_synsent_state_process — the SYN-ACK (or RST, or a bare SYN) that
     * answers our SYN.
     */
    static SynSent tcpRcvSynsentStateProcess(Net net, TcpSock tp, Skb skb, Effects out) {
        var s = net.sysctl;
        Mib mib = net.mib;
        long nowNanos = net.now();
        ParsedOptions opt = tcpParseOptions(skb, false, s.tcpTimestamps() != 0 && tp.rxOpt.tstampOk, s.tcpSack() != 0,
            s.tcpWindowScaling() != 0, tp.userMss);
        int rcvTsecr = opt.sawTstamp() && opt.rcvTsecr() != 0 ? opt.rcvTsecr() - tp.tsoffset : opt.rcvTsecr();
        if (skb.ack()) {
            // RFC 793: "If SEG.ACK =< ISS, or SEG.ACK > SND.NXT, send a reset"
            if (!SeqNum.after(skb.ackSeq(), tp.sndUna) || SeqNum.after(skb.ackSeq(), tp.sndNxt)) {
                if (tp.icskRetransmits == 0) out.modTimer(tp.retransmitTimer, nowNanos + InetConnectionSock.TCP_TIMEOUT_MIN);
                return skb.rst() ? SynSent.DISCARD : SynSent.RESET;
            }
            if (opt.sawTstamp() && opt.rcvTsecr() != 0
                && !SeqNum.between(rcvTsecr, (int) tp.retransStamp, TcpOutput.tcpTimeStampMs(nowNanos))) {
                mib.inc(Counter.TcpExtPAWSActiveRejected);
                return SynSent.RESET;
            }
            if (skb.rst()) {
                tcpReset(net, tp, out);
                return SynSent.REFUSED;
            }
            if (!skb.syn()) return SynSent.DISCARD;

            // tcp_init_wl, tcp_ack: our SYN is acked
            tp.sndWl1 = skb.seq();
            tp.sndUna = skb.ackSeq();
            out.delTimer(tp.retransmitTimer);
            tp.rcvNxt = skb.seq() + 1;
            tp.rcvWup = tp.rcvNxt;
            tp.sndWnd = skb.window(); // a SYN's window is never scaled
            tp.maxWindow = tp.sndWnd;
            tp.rxOpt.sackOk = tp.rxOpt.sackOk && opt.sackOk();
            if (!(tp.rxOpt.wscaleOk && opt.wscaleOk())) {
                tp.rxOpt.wscaleOk = false;
                tp.rxOpt.sndWscale = 0;
                tp.rxOpt.rcvWscale = 0;
                tp.windowClamp = Math.min(tp.windowClamp, 65535);
            } else {
                tp.rxOpt.sndWscale = opt.sndWscale();
            }
            tp.rxOpt.mssClamp = opt.mssClamp() != 0 ? opt.mssClamp() : TCP_MSS_DEFAULT;
            if (opt.sawTstamp()) {
                tp.rxOpt.tstampOk = true;
                tp.rxOpt.tsRecent = opt.rcvTsval(); // tcp_store_ts_recent
            } else {
                tp.rxOpt.tstampOk = false;
            }
            tp.mssCache = Math.min(tp.rxOpt.mssClamp, tp.advmss) - (tp.rxOpt.tstampOk ? TcpOutput.TCPOLEN_TSTAMP_ALIGNED : 0);
            tcpFinishConnect(net, tp, out);
            // no data pending, no defer-accept, no pingpong: ACK at once
            out.emit(TcpOutput.tcpSendAck(net, tp));
            return SynSent.ESTABLISHED;
        }
        if (skb.rst()) return SynSent.DISCARD;
        if (skb.syn()) return SynSent.SIMULTANEOUS_OPEN; // rows 21, 24: not modelled yet; see Tcp notes
        return SynSent.DISCARD;
    }

    /** net/ipv4/tcp_input.c: tcp_finish_connect — ESTABLISHED, and the connect() sleeper is woken. */
    static void tcpFinishConnect(Net net, TcpSock tp, Effects out) {
        Tcp.tcpSetState(net, tp, TcpState.ESTABLISHED, out);
        out.stateChange(); // not SOCK_DEAD: sk_state_change
    }

    /** net/ipv4/tcp_input.c: tcp_reset — the errno depends on the state; then tcp_done. */
    static void tcpReset(Net net, TcpSock tp, Effects out) {
        tp.skErr = switch (tp.skState) {
            case SYN_SENT -> Errno.ECONNREFUSED;
            case CLOSE_WAIT -> Errno.EPIPE;
            case CLOSE -> null;
            default -> Errno.ECONNRESET;
        };
        if (tp.skState == TcpState.CLOSE) return;
        Tcp.tcpDone(net, tp, out);
    }
}
