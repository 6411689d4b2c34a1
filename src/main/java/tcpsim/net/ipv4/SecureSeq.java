package tcpsim.net.ipv4;

/**
 * net/core/secure_seq.c: the keyed hashes behind ISNs, timestamp offsets and the ephemeral port
 * offset. The kernel uses siphash with boot-random keys; the model uses a fixed 64-bit mixer keyed
 * by per-host secrets drawn from the scenario seed, so runs are reproducible.
 */
public final class SecureSeq {
    private SecureSeq() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long hash(long secret, long a, long b, long c) {
        return mix(mix(mix(secret ^ a) + b) ^ c);
    }

    /** net/core/secure_seq.c: secure_tcp_seq — hash of the 4-tuple plus a clock term (ns >> 6). */
    public static int secureTcpSeq(long secret, int saddr, int daddr, int sport, int dport, long nowNanos) {
        long h = hash(secret, saddr & 0xffffffffL, daddr & 0xffffffffL, ((long) sport << 16) | dport);
        return (int) h + (int) (nowNanos >>> 6);
    }

    /** net/core/secure_seq.c: secure_tcp_ts_off. */
    public static int secureTcpTsOff(long secret, int saddr, int daddr) {
        return (int) hash(secret ^ 0x5453L, saddr & 0xffffffffL, daddr & 0xffffffffL, 0);
    }

    /**
     * net/core/secure_seq.c: secure_ipv4_port_ephemeral — 64 bits; the salt changes every 10 s
     * (EPHEMERAL_PORT_SHUFFLE_PERIOD). The source port is not an input.
     */
    public static long secureIpv4PortEphemeral(long secret, int saddr, int daddr, int dport, long nowNanos) {
        long period = nowNanos / 10_000_000_000L;
        return hash(secret ^ period, saddr & 0xffffffffL, daddr & 0xffffffffL, dport);
    }
}
