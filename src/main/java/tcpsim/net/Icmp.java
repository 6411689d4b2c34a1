package tcpsim.net;

/**
 * An ICMP error (destination unreachable, ...) quoting the TCP segment it is about. Only the quoted
 * segment's addresses, ports and seq matter to TCP (tcp_v4_err).
 */
public record Icmp(int saddr, int daddr, int type, int code, int mtu, Skb quoted) implements Packet {
    public static final int DEST_UNREACH = 3, TIME_EXCEEDED = 11;
    /* include/uapi/linux/icmp.h: codes of DEST_UNREACH */
    public static final int NET_UNREACH = 0, HOST_UNREACH = 1, PROT_UNREACH = 2, PORT_UNREACH = 3,
        FRAG_NEEDED = 4, NET_UNKNOWN = 6, HOST_UNKNOWN = 7, NET_ANO = 9, HOST_ANO = 10, PKT_FILTERED = 13;
}
