package tcpsim.net.ipv4;

import java.util.ArrayList;
import java.util.List;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/**
 * net/ipv4/tcp_output.c: building and sending segments of the handshake. Option layout, windows and
 * flags are the kernel's; checked against the live kernel (SYN "win 64240 <mss 1460,sackOK,TS val X
 * ecr 0,nop,wscale 10>", SYN-ACK "win 65160" with timestamps at MTU 1500). Each function counts
 * what the kernel's counts where it sends: __tcp_transmit_skb counts TcpOutSegs only for a segment
 * that advances snd_nxt or carries no sequence space, so a retransmitted SYN is not counted there;
 * tcp_make_synack counts every SYN-ACK.
 */
public final class TcpOutput {
    private TcpOutput() {}

    /** include/net/tcp.h: TCP_MAX_WSCALE */
    public static final int TCP_MAX_WSCALE = 14;
    /** include/net/tcp.h: MAX_TCP_WINDOW */
    public static final int MAX_TCP_WINDOW = 32767;
    /** include/net/tcp.h: TCPOLEN_TSTAMP_ALIGNED: what timestamps take from the MSS. */
    public static final int TCPOLEN_TSTAMP_ALIGNED = 12;

    /** include/net/tcp.h: tcp_full_space with the initial scaling_ratio (half of the buffer). */
    public static int tcpFullSpace(int rcvbuf) {
        return rcvbuf / 2;
    }

    /** The result of tcp_select_initial_window. */
    public record InitialWindow(int rcvWnd, int windowClamp, int rcvWscale) {}

    /** net/ipv4/tcp_output.c: tcp_select_initial_window */
    public static InitialWindow tcpSelectInitialWindow(int space, int mss, int windowClamp, boolean wscaleOk,
                                                       int tcpRmemMax, int rmemMax) {
        if (windowClamp == 0) windowClamp = 65535 << TCP_MAX_WSCALE;
        space = Math.min(windowClamp, space);
        if (space > mss) space = (space / mss) * mss;
        int rcvWnd = Math.min(space, 65535); // sysctl_tcp_workaround_signed_windows = 0
        int rcvWscale = 0;
        if (wscaleOk) {
            long s = Math.max(Math.max(space, tcpRmemMax), rmemMax);
            s = Math.min(s, windowClamp & 0xffffffffL);
            rcvWscale = Math.max(0, Math.min(63 - Long.numberOfLeadingZeros(s) - 15, TCP_MAX_WSCALE));
        }
        windowClamp = (int) Math.min(65535L << rcvWscale, windowClamp & 0xffffffffL);
        return new InitialWindow(rcvWnd, windowClamp, rcvWscale);
    }

    /**
     * net/ipv4/tcp_output.c: tcp_options_write — the order the kernel writes: MSS; SACK-permitted and
     * timestamp share one aligned word pair (sackOK,TS) or pad with NOPs (nop,nop,TS /
     * nop,nop,sackOK); then nop,wscale.
     */
    public static List<TcpOption> tcpOptionsWrite(int mss, boolean sackOk, boolean ts, int tsval, int tsecr,
                                                  int wscale) {
        List<TcpOption> o = new ArrayList<>(7);
        if (mss > 0) o.add(new TcpOption.Mss(mss));
        if (ts) {
            if (sackOk) {
                o.add(new TcpOption.SackPermitted());
            } else {
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.Nop());
            }
            o.add(new TcpOption.Timestamp(tsval, tsecr));
        } else if (sackOk) {
            o.add(new TcpOption.Nop());
            o.add(new TcpOption.Nop());
            o.add(new TcpOption.SackPermitted());
        }
        if (wscale >= 0) {
            o.add(new TcpOption.Nop());
            o.add(new TcpOption.WindowScale(wscale));
        }
        return o;
    }

    /** include/net/tcp.h: tcp_time_stamp_ms — the TS clock in ms (tcp_clock_ms). */
    public static int tcpTimeStampMs(long nowNanos) {
        return (int) (nowNanos / 1_000_000L);
    }

    /** net/ipv4/tcp_output.c: tcp_connect_init — initial RTO, windows, sequence numbers. */
    static void tcpConnectInit(Net net, TcpSock tp) {
        var s = net.sysctl;
        tp.advmss = net.advmss();
        if (tp.userMss != 0 && tp.userMss < tp.advmss) tp.advmss = tp.userMss;
        tp.mssCache = tp.advmss - (tp.rxOpt.tstampOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
        InitialWindow w = tcpSelectInitialWindow(tcpFullSpace(s.tcpRmemDefault()), tp.advmss, tp.windowClamp,
            tp.rxOpt.wscaleOk, s.tcpRmemMax(), s.rmemMax());
        tp.rcvWnd = w.rcvWnd();
        tp.windowClamp = w.windowClamp();
        tp.rxOpt.rcvWscale = w.rcvWscale();
        tp.rcvWup = 0;
        tp.sndUna = tp.writeSeq;
        tp.sndNxt = tp.writeSeq;
        tp.rcvNxt = 0;
        tp.icskRto = InetConnectionSock.TCP_TIMEOUT_INIT;
        tp.icskRetransmits = 0;
        tp.totalRto = 0;
    }

    /**
     * net/ipv4/tcp_output.c: tcp_connect — build the SYN, send it (it advances snd_nxt: counted),
     * count the active open, and arm the retransmit timer for the initial RTO.
     */
    public static void tcpConnect(Net net, TcpSock tp, Effects out) {
        long now = net.now();
        tp.retransStamp = tcpTimeStampMs(now);
        int isn = tp.writeSeq;
        tp.writeSeq = isn + 1;
        out.emit(synSkb(tp, isn, now));
        net.mib.inc(Counter.TcpOutSegs);
        tp.sndNxt = tp.writeSeq;
        net.mib.inc(Counter.TcpActiveOpens);
        out.modTimer(tp.retransmitTimer, now + tp.icskRto);
    }

    /** The SYN as tcp_transmit_skb writes it for tcp_connect (and its retransmissions). */
    static Skb synSkb(TcpSock tp, int isn, long nowNanos) {
        TcpSock.RxOpt rx = tp.rxOpt;
        List<TcpOption> opts = tcpOptionsWrite(tp.advmss, rx.sackOk, rx.tstampOk,
            tcpTimeStampMs(nowNanos) + tp.tsoffset, 0, rx.wscaleOk ? rx.rcvWscale : -1);
        return new Skb(tp.inetSaddr, tp.inetDaddr, tp.inetNum, tp.inetDport, isn, 0, Skb.SYN,
            Math.min(tp.rcvWnd, 65535), opts);
    }

    /**
     * net/ipv4/tcp_output.c: tcp_make_synack — the SYN-ACK of a request sock; options echo only
     * what the peer offered (tcp_synack_options). Every SYN-ACK counts in TcpOutSegs.
     */
    public static Skb tcpMakeSynack(Net net, RequestSock req) {
        net.mib.inc(Counter.TcpOutSegs);
        List<TcpOption> opts = tcpOptionsWrite(net.advmss(), req.sackOk, req.tstampOk,
            tcpTimeStampMs(net.now()) + req.tsOff, req.tsRecent, req.wscaleOk ? req.rcvWscale : -1);
        FourTuple t = req.tuple;
        // the SYN-ACK's window is never scaled (RFC 7323 2.2)
        return new Skb(t.laddr(), t.raddr(), t.lport(), t.rport(), req.sntIsn, req.rcvIsn + 1,
            Skb.SYN | Skb.ACK, Math.min(req.rcvWnd, 65535), opts);
    }

    /** net/ipv4/tcp_output.c: tcp_select_window — the advertised window, scaled, rounded up. */
    public static int tcpSelectWindow(TcpSock tp) {
        int wscale = tp.rxOpt.rcvWscale;
        long win = ((tp.rcvWnd & 0xffffffffL) + (1L << wscale) - 1) >>> wscale << wscale;
        return (int) Math.min(win >>> wscale, 65535);
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_send_synack's retransmission, tcp_rtx_synack via inet_rtx_syn_ack:
     * the SYN-ACK again, counted as a retransmitted segment and a SYN retransmit.
     */
    public static void tcpRtxSynack(Net net, RequestSock req, Effects out) {
        out.emit(tcpMakeSynack(net, req));
        net.mib.inc(Counter.TcpRetransSegs);
        net.mib.inc(Counter.TcpExtTCPSynRetrans);
        req.numRetrans++;
    }

    /** net/ipv4/tcp_output.c: __tcp_send_ack — a bare ACK at snd_nxt/rcv_nxt (no sequence space: counted). */
    public static Skb tcpSendAck(Net net, TcpSock tp) {
        net.mib.inc(Counter.TcpOutSegs);
        return nondata(tp, Skb.ACK, net.now());
    }

    /**
     * net/ipv4/tcp_output.c: tcp_send_active_reset — RST|ACK at tcp_acceptable_seq (snd_nxt here),
     * through tcp_transmit_skb (no sequence space: counted), and TcpOutRsts.
     */
    public static void tcpSendActiveReset(Net net, TcpSock tp, Effects out) {
        out.emit(nondata(tp, Skb.RST | Skb.ACK, net.now()));
        net.mib.inc(Counter.TcpOutSegs);
        net.mib.inc(Counter.TcpOutRsts);
    }

    /** tcp_init_nondata_skb + tcp_transmit_skb for a segment without data at snd_nxt/rcv_nxt. */
    private static Skb nondata(TcpSock tp, int flags, long nowNanos) {
        List<TcpOption> opts = tp.rxOpt.tstampOk
            ? tcpOptionsWrite(0, false, true, tcpTimeStampMs(nowNanos) + tp.tsoffset, tp.rxOpt.tsRecent, -1)
            : List.of();
        return new Skb(tp.inetSaddr, tp.inetDaddr, tp.inetNum, tp.inetDport, tp.sndNxt, tp.rcvNxt, flags,
            tcpSelectWindow(tp), opts);
    }

    /**
     * net/ipv4/tcp_output.c: tcp_retransmit_skb for the SYN in SYN_SENT — the same ISN, a fresh
     * timestamp. It does not advance snd_nxt, so __tcp_transmit_skb does not count it in TcpOutSegs.
     */
    public static Skb tcpRetransmitSyn(TcpSock tp, long nowNanos) {
        return synSkb(tp, tp.sndUna, nowNanos);
    }
}
