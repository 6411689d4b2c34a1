package tcpsim.net.ipv4;

import java.util.ArrayList;
import java.util.List;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/**
 * net/ipv4/tcp_output.c: building and sending segments of the handshake. Option layout, windows and
 * flags are the kernel's; checked against the live kernel (SYN "win 64240 <mss 1460,sackOK,TS val X
 * ecr 0,nop,wscale 10>", SYN-ACK "win 65160" with timestamps at MTU 1500).
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
    public static void tcpConnectInit(TcpSock tp, int mtu, int tcpRmemDefault, int tcpRmemMax, int rmemMax,
                                      boolean wscaleOk, boolean tsOk) {
        tp.advmss = mtu - 40;
        if (tp.userMss != 0 && tp.userMss < tp.advmss) tp.advmss = tp.userMss;
        tp.mssCache = tp.advmss - (tsOk ? TCPOLEN_TSTAMP_ALIGNED : 0);
        InitialWindow w = tcpSelectInitialWindow(tcpFullSpace(tcpRmemDefault), tp.advmss, tp.windowClamp,
            wscaleOk, tcpRmemMax, rmemMax);
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
     * net/ipv4/tcp_output.c: tcp_connect — build the SYN, send it, count the active open, and arm the
     * retransmit timer for the initial RTO.
     */
    public static void tcpConnect(TcpSock tp, long nowNanos, Effects out, tcpsim.net.Mib mib) {
        tp.retransStamp = tcpTimeStampMs(nowNanos);
        int isn = tp.writeSeq;
        tp.writeSeq = isn + 1;
        out.emit(synSkb(tp, isn, nowNanos));
        tp.sndNxt = tp.writeSeq;
        mib.inc(tcpsim.net.Mib.Counter.TcpActiveOpens);
        out.modTimer(tp.retransmitTimer, nowNanos + tp.icskRto);
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
     * what the peer offered (tcp_synack_options).
     */
    public static Skb tcpMakeSynack(RequestSock req, long nowNanos, int advmss) {
        List<TcpOption> opts = tcpOptionsWrite(advmss, req.sackOk, req.tstampOk,
            tcpTimeStampMs(nowNanos) + req.tsOff, req.tsRecent, req.wscaleOk ? req.rcvWscale : -1);
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

    /** net/ipv4/tcp_output.c: __tcp_send_ack — a bare ACK at snd_nxt/rcv_nxt. */
    public static Skb tcpSendAck(TcpSock tp, long nowNanos) {
        List<TcpOption> opts = tp.rxOpt.tstampOk
            ? tcpOptionsWrite(0, false, true, tcpTimeStampMs(nowNanos) + tp.tsoffset, tp.rxOpt.tsRecent, -1)
            : List.of();
        return new Skb(tp.inetSaddr, tp.inetDaddr, tp.inetNum, tp.inetDport, tp.sndNxt, tp.rcvNxt, Skb.ACK,
            tcpSelectWindow(tp), opts);
    }

    /**
     * net/ipv4/tcp_output.c: tcp_retransmit_skb for the SYN in SYN_SENT — the same ISN, a fresh
     * timestamp.
     */
    public static Skb tcpRetransmitSyn(TcpSock tp, long nowNanos) {
        return synSkb(tp, tp.sndUna, nowNanos);
    }
}
