package tcpsim.net.ipv4;

/**
 * An ehash key seen from the local socket: local and remote address and port (inet_match's
 * fields). Ports are packed into one int, local in the high half.
 */
public record FourTuple(int laddr, int raddr, int ports) {
    public static FourTuple of(int laddr, int lport, int raddr, int rport) {
        return new FourTuple(laddr, raddr, (lport << 16) | (rport & 0xffff));
    }

    /** The key of an incoming segment, from the receiver's side. */
    public static FourTuple ofIncoming(tcpsim.net.Skb skb) {
        return of(skb.daddr(), skb.dport(), skb.saddr(), skb.sport());
    }

    public int lport() { return ports >>> 16; }
    public int rport() { return ports & 0xffff; }

    /** net/ipv4/inet_hashtables.c: inet_ehashfn, with a fixed mixer instead of jhash and a secret. */
    @Override
    public int hashCode() {
        long h = ((long) laddr * 0x9E3779B97F4A7C15L) ^ ((long) raddr * 0xC2B2AE3D27D4EB4FL) ^ ((long) ports * 0x165667B19E3779F9L);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return tcpsim.net.Skb.ip(laddr) + ":" + lport() + "-" + tcpsim.net.Skb.ip(raddr) + ":" + rport();
    }
}
