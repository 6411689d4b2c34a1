package tcpsim.net.ipv4;

import tcpsim.net.Mib;
import tcpsim.net.Mib.Counter;
import tcpsim.net.SeqNum;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/** net/ipv4/tcp_input.c: the receive side of the handshake. */
public final class TcpInput {
    private TcpInput() {}

    /** What tcp_rcv_state_process tells its caller (tcp_v4_do_rcv). */
    public enum Verdict {
        /** consumed or discarded */
        DONE,
        /** return 1: the caller sends a RST for this segment (tcp_v4_send_reset) */
        RESET
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

    /**
     * net/ipv4/tcp_input.c: tcp_rcv_state_process, case TCP_LISTEN. An ACK gets a RST from the caller; a
     * RST, a SYN+FIN or a segment without SYN is dropped; a SYN goes to conn_request (run by the
     * caller, which owns the spawning of the request sock).
     */
    public static ListenVerdict tcpRcvStateProcessListen(Skb skb) {
        if (skb.ack()) return ListenVerdict.RESET;
        if (skb.rst()) return ListenVerdict.DISCARD;
        if (skb.syn()) {
            if (skb.fin()) return ListenVerdict.DISCARD;
            return ListenVerdict.CONN_REQUEST;
        }
        return ListenVerdict.DISCARD;
    }

    public enum ListenVerdict { RESET, DISCARD, CONN_REQUEST }

    /** The listener state tcp_conn_request reads without its lock. */
    public record ListenerView(int maxAckBacklog, RequestSockQueue queue, int synackRetries) {}

    /** The host state tcp_conn_request needs: sysctls, route, secrets, clock. */
    public record ConnRequestEnv(int tcpSyncookies, int tcpMaxSynBacklog, boolean tcpTimestamps, boolean tcpSack,
                                 boolean tcpWindowScaling, int tcpRmemDefault, int tcpRmemMax, int rmemMax, int mtu,
                                 long isnSecret, long tsSecret, boolean tsOffsets, long nowNanos) {}

    /**
     * net/ipv4/tcp_input.c: tcp_conn_request — decide whether a SYN to a listener becomes a request
     * sock. Returns the new request (not yet hashed: the caller inserts it into ehash, then sends its
     * SYN-ACK and arms its timer, as inet_csk_reqsk_queue_hash_add and send_synack do), or null when
     * the SYN is dropped. Syncookies are not modelled yet: where the kernel would answer with a cookie,
     * the model drops the SYN and counts TCPReqQFullDoCookies, so the difference is visible.
     */
    public static RequestSock tcpConnRequest(ListenerView lsk, Skb skb, ConnRequestEnv env, int twIsn, Mib mib) {
        boolean wantCookie = false;
        if ((env.tcpSyncookies() == 2 || lsk.queue().inetCskReqskQueueIsFull(lsk.maxAckBacklog())) && twIsn == 0) {
            wantCookie = tcpSynFloodAction(env.tcpSyncookies(), mib);
            if (!wantCookie) return drop(mib);
        }
        if (lsk.queue().skAcceptqIsFull(lsk.maxAckBacklog())) {
            mib.inc(Counter.TcpExtListenOverflows);
            return drop(mib);
        }
        if (wantCookie) return drop(mib);

        FourTuple tuple = FourTuple.ofIncoming(skb);
        RequestSock req = new RequestSock(tuple);
        ParsedOptions opt = tcpParseOptions(skb, false, env.tcpTimestamps(), env.tcpSack(), env.tcpWindowScaling(), 0);
        // tcp_openreq_init
        req.rcvIsn = skb.seq();
        req.mss = opt.mssClamp() != 0 ? opt.mssClamp() : TCP_MSS_DEFAULT;
        req.tstampOk = opt.sawTstamp();
        req.sackOk = opt.sackOk();
        req.wscaleOk = opt.wscaleOk();
        req.sndWscale = opt.sndWscale();
        req.tsRecent = opt.sawTstamp() ? opt.rcvTsval() : 0;
        if (req.tstampOk && env.tsOffsets())
            req.tsOff = SecureSeq.secureTcpTsOff(env.tsSecret(), tuple.laddr(), tuple.raddr());

        if (twIsn == 0) {
            // "Kill the following clause, if you dislike this way." — without syncookies the last
            // quarter of the backlog is kept for proven peers; the model has no TCP metrics cache,
            // so no peer is proven.
            if (env.tcpSyncookies() == 0
                && env.tcpMaxSynBacklog() - lsk.queue().qlen.get() < (env.tcpMaxSynBacklog() >> 2)) {
                return drop(mib);
            }
            req.sntIsn = SecureSeq.secureTcpSeq(env.isnSecret(), tuple.laddr(), tuple.raddr(), tuple.lport(),
                tuple.rport(), env.nowNanos());
        } else {
            req.sntIsn = twIsn;
        }
        // tcp_openreq_init_rwin
        int advmss = env.mtu() - 40;
        int mss = advmss - (req.tstampOk ? TcpOutput.TCPOLEN_TSTAMP_ALIGNED : 0);
        TcpOutput.InitialWindow w = TcpOutput.tcpSelectInitialWindow(TcpOutput.tcpFullSpace(env.tcpRmemDefault()),
            mss, 0, req.wscaleOk, env.tcpRmemMax(), env.rmemMax());
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
    public enum SynSent { ESTABLISHED, RESET, REFUSED, DISCARD, SIMULTANEOUS_OPEN }

    /**
     * net/ipv4/tcp_input.c: tcp_rcv_synsent_state_process — the SYN-ACK (or RST, or a bare SYN) that
     * answers our SYN.
     */
    public static SynSent tcpRcvSynsentStateProcess(TcpSock tp, Skb skb, boolean tsAllowed, boolean sackAllowed,
                                                    boolean wscaleAllowed, long nowNanos, Effects out, Mib mib) {
        ParsedOptions opt = tcpParseOptions(skb, false, tsAllowed && tp.rxOpt.tstampOk, sackAllowed,
            wscaleAllowed, tp.userMss);
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
                tcpReset(tp, mib);
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
                tp.rxOpt.tsRecentStamp = nowNanos / 1_000_000_000L;
            } else {
                tp.rxOpt.tstampOk = false;
            }
            tp.mssCache = Math.min(tp.rxOpt.mssClamp, tp.advmss) - (tp.rxOpt.tstampOk ? TcpOutput.TCPOLEN_TSTAMP_ALIGNED : 0);
            tcpFinishConnect(tp, mib);
            // no data pending, no defer-accept, no pingpong: ACK at once
            out.emit(TcpOutput.tcpSendAck(tp, nowNanos));
            return SynSent.ESTABLISHED;
        }
        if (skb.rst()) return SynSent.DISCARD;
        if (skb.syn()) return SynSent.SIMULTANEOUS_OPEN; // rows 21, 24: not modelled yet; see Tcp notes
        return SynSent.DISCARD;
    }

    /** net/ipv4/tcp_input.c: tcp_finish_connect */
    public static void tcpFinishConnect(TcpSock tp, Mib mib) {
        Tcp.tcpSetState(tp, TcpState.ESTABLISHED, mib);
    }

    /** net/ipv4/tcp_input.c: tcp_reset — the errno depends on the state; then tcp_done. */
    public static void tcpReset(TcpSock tp, Mib mib) {
        tp.skErr = switch (tp.skState) {
            case SYN_SENT -> Errno.ECONNREFUSED;
            case CLOSE_WAIT -> Errno.EPIPE;
            case CLOSE -> null;
            default -> Errno.ECONNRESET;
        };
        Tcp.tcpDone(tp, mib);
    }
}
