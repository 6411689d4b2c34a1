package tcpsim.net;

/** include/net/tcp.h: before(), after(), between() on wrapping 32-bit sequence numbers. */
public final class SeqNum {
    private SeqNum() {}

    /** include/net/tcp.h: before */
    public static boolean before(int seq1, int seq2) { return seq1 - seq2 < 0; }

    /** include/net/tcp.h: after */
    public static boolean after(int seq1, int seq2) { return before(seq2, seq1); }

    /** include/net/tcp.h: between — is s2 &lt;= s1 &lt;= s3? */
    public static boolean between(int seq1, int seq2, int seq3) {
        return Integer.compareUnsigned(seq3 - seq2, seq1 - seq2) >= 0;
    }
}
