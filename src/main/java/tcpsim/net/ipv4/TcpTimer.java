package tcpsim.net.ipv4;

import tcpsim.net.Mib;
import tcpsim.net.Mib.Counter;

/** net/ipv4/tcp_timer.c: the retransmit timer while connecting. */
public final class TcpTimer {
    private TcpTimer() {}

    /** What the retransmit timer did. */
    public enum Retransmit { RETRANSMITTED, TIMED_OUT }

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
     * net/ipv4/tcp_timer.c: tcp_retransmit_timer in SYN_SENT — give up (ETIMEDOUT, tcp_write_err) or send
     * the SYN again; the RTO doubles only after the first tcp_syn_linear_timeouts retransmissions.
     */
    public static Retransmit tcpRetransmitTimer(TcpSock sk, int synRetries, int linearTimeouts, long nowNanos,
                                                Effects out, Mib mib) {
        if (tcpWriteTimeout(sk, synRetries, linearTimeouts, nowNanos)) {
            // tcp_write_err
            sk.skErr = sk.skErrSoft != null ? sk.skErrSoft : Errno.ETIMEDOUT;
            mib.inc(Counter.TcpExtTCPAbortOnTimeout);
            Tcp.tcpDone(sk, mib);
            return Retransmit.TIMED_OUT;
        }
        mib.inc(Counter.TcpExtTCPTimeouts);
        out.emit(TcpOutput.tcpRetransmitSyn(sk, nowNanos));
        mib.inc(Counter.TcpRetransSegs);
        mib.inc(Counter.TcpExtTCPSynRetrans);
        mib.inc(Counter.TcpOutSegs);
        sk.icskRetransmits++;
        sk.totalRto++;
        if (sk.skState != TcpState.SYN_SENT || sk.totalRto > linearTimeouts) {
            sk.icskBackoff++;
            sk.icskRto = Math.min(sk.icskRto << 1, InetConnectionSock.TCP_RTO_MAX);
        }
        out.modTimer(sk.retransmitTimer, nowNanos + sk.icskRto);
        return Retransmit.RETRANSMITTED;
    }
}
