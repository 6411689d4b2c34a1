package tcpsim.net.ipv4;

import java.util.List;
import tcpsim.net.Mib;
import tcpsim.net.Skb;

/** net/ipv4/tcp_ipv4.c: connect, resets, and the receive demux's decisions. */
public final class TcpIpv4 {
    private TcpIpv4() {}

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_send_reset — the RST answering an offending segment: seq = its ACK
     * number if it had one (no ACK flag), else seq 0 with ACK = its end. Never for a RST.
     */
    public static Skb tcpV4SendReset(Skb skb) {
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
    public static Errno tcpV4ConnectPrepare(TcpSock sk, int daddr, int dport, int routeSaddr, boolean routed, Mib mib) {
        if (!routed) return Errno.ENETUNREACH;
        if (sk.inetSaddr == 0) sk.inetSaddr = routeSaddr; // inet_bhash2_update_saddr
        sk.inetDaddr = daddr;
        sk.inetDport = dport;
        Tcp.tcpSetState(sk, TcpState.SYN_SENT, mib);
        return null;
    }

    /**
     * net/ipv4/tcp_ipv4.c: tcp_v4_connect, after inet_hash_connect succeeded: ISN and timestamp offset
     * from the keyed hashes, then tcp_connect.
     */
    public static void tcpV4ConnectFinish(TcpSock sk, long isnSecret, long tsSecret, boolean tsOffsets,
                                          long nowNanos) {
        if (sk.writeSeq == 0) {
            sk.writeSeq = SecureSeq.secureTcpSeq(isnSecret, sk.inetSaddr, sk.inetDaddr, sk.inetNum, sk.inetDport, nowNanos);
        }
        sk.tsoffset = tsOffsets ? SecureSeq.secureTcpTsOff(tsSecret, sk.inetSaddr, sk.inetDaddr) : 0;
    }

    /** net/ipv4/tcp_ipv4.c: tcp_v4_connect's failure path: back to CLOSE, port released. */
    public static void tcpV4ConnectFailed(TcpSock sk, Mib mib) {
        Tcp.tcpSetState(sk, TcpState.CLOSE, mib);
        sk.inetDaddr = 0;
        sk.inetDport = 0;
        if (!sk.bindPortLock) sk.inetNum = 0;
    }
}
