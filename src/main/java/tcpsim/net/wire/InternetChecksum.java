package tcpsim.net.wire;

/** RFC 1071 ones'-complement sum, as {@code csum_partial}/{@code csum_fold} compute it. */
public final class InternetChecksum {
    private InternetChecksum() {}

    /** Adds big-endian 16-bit words of {@code b[off, off+len)} to {@code sum}; an odd byte is padded with zero. */
    public static long add(long sum, byte[] b, int off, int len) {
        int i = off, end = off + len;
        for (; i + 1 < end; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        if (i < end) sum += (b[i] & 0xff) << 8;
        return sum;
    }

    /** include/net/checksum.h: csum_fold — fold to 16 bits and complement. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }

    /** The checksum of a byte range, as stored in an IPv4 or ICMP header. */
    public static int of(byte[] b, int off, int len) {
        return fold(add(0, b, off, len));
    }

    /** The TCP checksum: the IPv4 pseudo-header (addresses, protocol 6, TCP length) plus the segment. */
    public static int tcp(int saddr, int daddr, byte[] b, int off, int len) {
        long sum = pseudoHeader(saddr, daddr, Wire.IPPROTO_TCP, len);
        return fold(add(sum, b, off, len));
    }

    static long pseudoHeader(int saddr, int daddr, int protocol, int length) {
        return (saddr >>> 16) + (saddr & 0xffff) + (daddr >>> 16) + (daddr & 0xffff) + protocol + length;
    }
}
