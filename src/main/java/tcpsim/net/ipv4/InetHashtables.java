package tcpsim.net.ipv4;

import java.util.Map;

/** net/ipv4/inet_hashtables.c: connect()'s port search and the established-table checks. */
public final class InetHashtables {
    private InetHashtables() {}

    /** include/net/inet_hashtables.h: INET_TABLE_PERTURB_SIZE (CONFIG_INET_TABLE_PERTURB_ORDER 16) */
    public static final int INET_TABLE_PERTURB_SIZE = 1 << 16;

    /** What an ehash slot holds; the demux and __inet_check_established read it without the lock. */
    public interface EhashEntry {
        TcpState state();
    }

    /**
     * The state of one __inet_hash_connect walk: the socket actor (holding lock_sock) offers one
     * candidate port at a time to that port's bhash bucket, and advances on "next_port".
     */
    public static final class PortScan {
        final int low;
        final int high;
        final int remaining;
        final int index;
        final int[] tablePerturb;
        int offset;
        int port;
        int i;

        /**
         * net/ipv4/inet_hashtables.c: __inet_hash_connect, the set-up: [low, high] from
         * ip_local_port_range, an even-sized range, the start offset from table_perturb and the
         * 64-bit port_offset, same parity as low first.
         */
        public PortScan(int low, int high, long portOffset, int[] tablePerturb) {
            this.low = low;
            this.high = high + 1; // [32768, 60999] -> [32768, 61000[
            int rem = this.high - low;
            if (rem > 1) rem &= ~1;
            this.remaining = rem;
            this.tablePerturb = tablePerturb;
            this.index = (int) (portOffset & (INET_TABLE_PERTURB_SIZE - 1));
            int off = tablePerturb[index] + (int) (portOffset >>> 32);
            this.offset = Integer.remainderUnsigned(off, remaining) & ~1;
            this.port = low + offset;
        }

        /**
         * The next candidate, skipping reserved ports, or -1 when both parities are exhausted
         * (EADDRNOTAVAIL).
         */
        public int next(java.util.function.IntPredicate reserved) {
            while (true) {
                while (i < remaining) {
                    if (port >= high) port -= remaining;
                    if (!reserved.test(port)) return port;
                    i += 2;
                    port += 2;
                }
                offset++;
                if ((offset & 1) != 0 && remaining > 1) {
                    port = low + offset;
                    i = 0;
                    continue;
                }
                return -1;
            }
        }

        /** "next_port": the bucket refused this one. */
        public void skip() {
            i += 2;
            port += 2;
        }

        /**
         * The "ok:" path: nudge table_perturb so the next connect to the same destination starts a
         * little further on: i = max(i, (random & 7) * 2); table_perturb[index] += i + 2.
         */
        public void ok(int random) {
            int step = Math.max(i, (random & 7) * 2);
            tablePerturb[index] += step + 2;
        }
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_check_established, under the ehash bucket lock — is the 4-tuple
     * free? A TIME_WAIT occupant would be checked with tcp_twsk_unique; the model has no TIME_WAIT
     * socks yet, so any occupant makes the tuple busy.
     */
    public static boolean inetCheckEstablishedUnique(Map<FourTuple, ? extends EhashEntry> ehash, FourTuple tuple) {
        return ehash.get(tuple) == null;
    }
}
