package tcpsim.net.ipv4;

import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;

/** net/ipv4/tcp_timer.c: the retransmit timer while connecting. */
public final class TcpTimer {
    private TcpTimer() {}

    /**
     * net/ipv4/tcp_timer.c: tcp_model_timeout — how long N exponential retransmissions take from rto_base.
     */
    static long tcpModelTimeout(int boundary, long rtoBase) {
        int linear = (int) (63 - Long.numberOfLeadingZeros(InetConnectionSock.TCP_RTO_MAX / rtoBase));
        if (boundary <= linear) return ((2L << boundary) - 1) * rtoBase;
        return ((2L << linear) - 1) * rtoBase + (boundary - linear) * InetConnectionSock.TCP_RTO_MAX;
    }

    /**
     * net/ipv4/tcp_timer.c: tcp_write_timeout for SYN_SENT — expired when the retransmissions reach
     * syn_retries + tcp_syn_linear_timeouts, or when the time since the first SYN exceeds the model
     * timeout of syn_retries exponential back-offs from 1 s.
     */
    static boolean tcpWriteTimeout(TcpSock sk, int synRetries, int linearTimeouts, long nowNanos) {
        int retries = sk.icskSynRetries != 0 ? sk.icskSynRetries : synRetries;
        if (sk.icskRetransmits >= retries + linearTimeouts) return true;
        long elapsedMs = TcpOutput.tcpTimeStampMs(nowNanos) - sk.retransStamp;
        return elapsedMs * 1_000_000L >= tcpModelTimeout(retries, InetConnectionSock.TCP_TIMEOUT_INIT);
    }

    /**
     * net/ipv4/tcp_timer.c: tcp_write_timer_handler's ICSK_TIME_RETRANS case — tcp_retransmit_timer;
     * only SYN_SENT has anything in flight in the model.
     */
    public static Effects tcpWriteTimerHandler(Net net, TcpSock sk) {
        Effects out = new Effects();
        if (sk.skState == TcpState.SYN_SENT) tcpRetransmitTimer(net, sk, out);
        return out;
    }

    /**
     * net/ipv4/tcp_timer.c: tcp_retransmit_timer in SYN_SENT — give up (ETIMEDOUT, tcp_write_err) or send
     * the SYN again; the RTO doubles only after the first tcp_syn_linear_timeouts retransmissions.
     */
    static void tcpRetransmitTimer(Net net, TcpSock sk, Effects out) {
        var s = net.sysctl;
        long now = net.now();
        net.mib.inc(Counter.TcpExtTCPTimeouts); // every expiry, the one that gives up too (live kernel)
        if (tcpWriteTimeout(sk, s.tcpSynRetries(), s.tcpSynLinearTimeouts(), now)) {
            // tcp_write_err: sk_err_soft is set only by ICMP errors, which the model does not take
            sk.skErr = Errno.ETIMEDOUT;
            net.mib.inc(Counter.TcpExtTCPAbortOnTimeout);
            Tcp.tcpDone(net, sk, out);
            return;
        }
        out.emit(TcpOutput.tcpRetransmitSyn(sk, now));
        net.mib.inc(Counter.TcpRetransSegs);
        net.mib.inc(Counter.TcpExtTCPSynRetrans);
        sk.icskRetransmits++;
        sk.totalRto++;
        if (sk.skState != TcpState.SYN_SENT || sk.totalRto > s.tcpSynLinearTimeouts()) {
            sk.icskBackoff++;
            sk.icskRto = Math.min(sk.icskRto << 1, InetConnectionSock.TCP_RTO_MAX);
        }
        out.modTimer(sk.retransmitTimer, now + sk.icskRto);
    }
}
