package tcpsim.net;

import java.util.List;

/**
 * A TCP segment as it crosses the wire: the model's {@code sk_buff}, immutable. Addresses are IPv4 in
 * host byte order; seq, ack and timestamps are unsigned 32-bit values held in ints (compare with
 * {@link SeqNum}). The payload is not carried, only its length: the model moves no data bytes.
 */
public record Skb(int saddr, int daddr, int sport, int dport, int seq, int ackSeq, int flags,
                  int window, List<TcpOption> options, int len, int tos) implements Packet {

    /* include/net/tcp.h: TCPHDR_* */
    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10,
        URG = 0x20, ECE = 0x40, CWR = 0x80;

    public Skb {
        options = List.copyOf(options);
    }

    public Skb(int saddr, int daddr, int sport, int dport, int seq, int ackSeq, int flags,
               int window, List<TcpOption> options) {
        this(saddr, daddr, sport, dport, seq, ackSeq, flags, window, options, 0, 0);
    }

    public boolean syn() { return (flags & SYN) != 0; }
    public boolean ack() { return (flags & ACK) != 0; }
    public boolean rst() { return (flags & RST) != 0; }
    public boolean fin() { return (flags & FIN) != 0; }

    /** TCP_SKB_CB(skb)->end_seq: seq + SYN + FIN + payload length. */
    public int endSeq() {
        return seq + len + (syn() ? 1 : 0) + (fin() ? 1 : 0);
    }

    /** Header length in bytes: 20 plus options, padded to a multiple of 4. */
    public int headerLength() {
        int o = 0;
        for (TcpOption opt : options) o += opt.length();
        return 20 + ((o + 3) & ~3);
    }

    /** The first option of a type, or null. */
    public <T extends TcpOption> T option(Class<T> type) {
        for (TcpOption o : options) if (type.isInstance(o)) return type.cast(o);
        return null;
    }

    /** Flags as tcpdump and packetdrill write them: S, S., ., P., F., R., R, ... */
    public static String flagString(int flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & SYN) != 0) b.append('S');
        if ((flags & FIN) != 0) b.append('F');
        if ((flags & RST) != 0) b.append('R');
        if ((flags & PSH) != 0) b.append('P');
        if ((flags & URG) != 0) b.append('U');
        if ((flags & ECE) != 0) b.append('E');
        if ((flags & CWR) != 0) b.append('W');
        if ((flags & ACK) != 0) b.append('.');
        if (b.length() == 0) b.append('-');
        return b.toString();
    }

    public static String ip(int addr) {
        return ((addr >>> 24) & 0xff) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    public static int ip(String dotted) {
        String[] p = dotted.trim().split("\\.");
        if (p.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        int a = 0;
        for (String s : p) {
            int v = Integer.parseInt(s);
            if (v < 0 || v > 255) throw new IllegalArgumentException("not an IPv4 address: " + dotted);
            a = (a << 8) | v;
        }
        return a;
    }

    /** tcpdump-like one-liner with absolute numbers. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(ip(saddr)).append(':').append(sport).append(" > ").append(ip(daddr)).append(':').append(dport)
            .append(' ').append(flagString(flags)).append(' ')
            .append(Integer.toUnsignedString(seq)).append(':').append(Integer.toUnsignedString(seq + len))
            .append('(').append(len).append(')');
        if (ack()) b.append(" ack ").append(Integer.toUnsignedString(ackSeq));
        b.append(" win ").append(window);
        if (!options.isEmpty()) {
            b.append(" <");
            for (int i = 0; i < options.size(); i++) {
                if (i > 0) b.append(',');
                b.append(options.get(i));
            }
            b.append('>');
        }
        return b.toString();
    }
}
