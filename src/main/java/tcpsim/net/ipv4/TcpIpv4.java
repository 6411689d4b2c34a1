package tcpsim.net.ipv4;

import java.util.List;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;
import tcpsim.net.Skb;

/** net/ipv4/tcp_ipv4.c: connect, resets, and the receive demux's decisions. */
public final class TcpIpv4 {
    private TcpIpv4() {}

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_send_reset — the RST answering an offending segment: seq = its ACK
     * number if it had one (no ACK flag), else seq 0 with ACK = its end. Never for a RST. Counted in
     * TcpOutSegs and TcpOutRsts.
     */
    public static Skb tcpV4SendReset(Net net, Skb skb) {
        net.mib.inc(Counter.TcpOutSegs);
        net.mib.inc(Counter.TcpOutRsts);
        if (skb.ack()) {
            return new Skb(skb.daddr(), skb.saddr(), skb.dport(), skb.sport(), skb.ackSeq(), 0, Skb.RST, 0, List.of());
        }
        return new Skb(skb.daddr(), skb.saddr(), skb.dport(), skb.sport(), 0, skb.endSeq(), Skb.RST | Skb.ACK, 0, List.of());
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_connect, up to inet_hash_connect: the route gives the source address,
     * and the state is SYN_SENT *before* the port is chosen. Returns an errno, or null to go on to
     * the port search.
     */
    public static Errno tcpV4ConnectPrepare(Net net, TcpSock sk, int daddr, int dport, boolean routed) {
        if (!routed) return Errno.ENETUNREACH;
        if (sk.inetSaddr == 0) sk.inetSaddr = net.addr; // the route's source; inet_bhash2_update_saddr
        sk.inetDaddr = daddr;
        sk.inetDport = dport;
        Tcp.tcpSetState(net, sk, TcpState.SYN_SENT, new Effects()); // not CLOSE: no effects
        return null;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_connect, after inet_hash_connect hashed the socket: ISN and
     * timestamp offset from the keyed hashes, the options the sysctls allow, then tcp_connect.
     */
    public static Effects tcpV4ConnectFinish(Net net, TcpSock sk) {
        var s = net.sysctl;
        sk.hashed = true;
        if (sk.writeSeq == 0) {
            sk.writeSeq = SecureSeq.secureTcpSeq(net.isnSecret, sk.inetSaddr, sk.inetDaddr, sk.inetNum, sk.inetDport,
                net.now());
        }
        sk.tsoffset = s.tcpTimestamps() == 1 ? SecureSeq.secureTcpTsOff(net.tsSecret, sk.inetSaddr, sk.inetDaddr) : 0;
        sk.rxOpt.tstampOk = s.tcpTimestamps() != 0;
        sk.rxOpt.sackOk = s.tcpSack() != 0;
        sk.rxOpt.wscaleOk = s.tcpWindowScaling() != 0;
        TcpOutput.tcpConnectInit(net, sk);
        Effects out = new Effects();
        TcpOutput.tcpConnect(net, sk, out);
        return out;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_connect's failure path: back to CLOSE (the port search found
     * nothing, so there is no bind bucket to leave).
     */
    public static void tcpV4ConnectFailed(Net net, TcpSock sk) {
        Tcp.tcpSetState(net, sk, TcpState.CLOSE, new Effects());
        sk.inetDaddr = 0;
        sk.inetDport = 0;
        if (!sk.bindPortLock) sk.inetNum = 0;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_destroy_sock — the timers stop and a bound socket leaves its bind
     * bucket (a port that bind() locked is kept until here).
     */
    static void tcpV4DestroySock(TcpSock sk, Effects out) {
        Tcp.tcpClearXmitTimers(sk, out);
        if (sk.icskBindHash) InetHashtables.inetPutPort(sk, out);
    }
}
