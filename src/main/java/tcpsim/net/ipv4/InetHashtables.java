package tcpsim.net.ipv4;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * net/ipv4/inet_hashtables.c: the bind buckets (bhash), connect()'s port search, the established
 * table's checks and the listener lookup. The tables are plain values here; the bucket actors hold
 * their locks and call these functions.
 */
public final class InetHashtables {
    private InetHashtables() {}

    /** include/net/inet_hashtables.h: INET_TABLE_PERTURB_SIZE (CONFIG_INET_TABLE_PERTURB_ORDER 16) */
    public static final int INET_TABLE_PERTURB_SIZE = 1 << 16;

    /**
     * net/ipv4/inet_hashtables.c: table_perturb — INET_TABLE_PERTURB_SIZE counters that start at zero
     * (alloc_large_system_hash at boot) and move only when a connect() uses one. Kept sparse: a run
     * touches a few entries, and a namespace costs nothing until it connects.
     */
    public static final class TablePerturb {
        private final java.util.HashMap<Integer, Integer> moved = new java.util.HashMap<>();

        public int get(int index) {
            return moved.getOrDefault(index, 0);
        }

        public void add(int index, int delta) {
            moved.merge(index, delta, Integer::sum);
        }
    }

    /** struct inet_bind_bucket: one port's owners and its fast-reuse flags. */
    public static final class InetBindBucket {
        public final int port;
        /** -1: made by connect() (never shared with bind()); 0 or 1: made by bind(). */
        int fastreuse;
        int fastreuseport;
        final List<BindOwner> owners = new ArrayList<>(2);

        InetBindBucket(int port, int fastreuse, int fastreuseport) {
            this.port = port;
            this.fastreuse = fastreuse;
            this.fastreuseport = fastreuseport;
        }

        public List<BindOwner> owners() {
            return owners;
        }
    }

    /** net/ipv4/inet_hashtables.c: inet_bind_bucket_create */
    static InetBindBucket inetBindBucketCreate(Map<Integer, InetBindBucket> bhash, int port, int fastreuse) {
        InetBindBucket tb = new InetBindBucket(port, fastreuse, fastreuse);
        bhash.put(port, tb);
        return tb;
    }

    /**
     * net/ipv4/inet_hashtables.c: inet_bind_hash, the bucket's side — {@code sk} joins the owners (an
     * owner asking again, as inet_csk_listen_start does, is updated in place).
     */
    static void inetBindHash(InetBindBucket tb, BindOwner sk) {
        for (int i = 0; i < tb.owners.size(); i++) {
            if (tb.owners.get(i).same(sk)) {
                tb.owners.set(i, sk);
                return;
            }
        }
        tb.owners.add(sk);
    }

    /** net/ipv4/inet_hashtables.c: inet_bind_hash, the socket's side — icsk_bind_hash and inet_num set. */
    public static void inetBindHash(TcpSock sk, int port) {
        sk.icskBindHash = true;
        sk.inetNum = port;
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_put_port, the socket's side — icsk_bind_hash cleared and
     * inet_num 0; the bucket lock is asked to drop the owner.
     */
    static void inetPutPort(TcpSock sk, Effects out) {
        out.putPort(sk.inetNum);
        sk.icskBindHash = false;
        sk.inetNum = 0;
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_put_port, the bucket's side under its lock — the owner
     * leaves, and an empty bucket is freed (inet_bind_bucket_destroy).
     */
    public static void inetPutPort(Map<Integer, InetBindBucket> bhash, int port, TcpSock sk) {
        InetBindBucket tb = bhash.get(port);
        if (tb == null) return;
        tb.owners.removeIf(o -> o.sk() == sk);
        if (tb.owners.isEmpty()) bhash.remove(port);
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_hash_connect, the test of one candidate port under its bucket
     * lock: a bucket made by bind() is skipped ("next_port"); one made by connect() may be shared if
     * the 4-tuple is unique (the caller asks ehash next).
     */
    public static boolean inetHashConnectMayUse(InetBindBucket tb) {
        return tb == null || (tb.fastreuse < 0 && tb.fastreuseport < 0);
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_hash_connect's "ok:" — the 4-tuple is in ehash: a new bucket
     * is made as connect()'s (fastreuse -1) and the socket joins it.
     */
    public static void inetHashConnectBind(Map<Integer, InetBindBucket> bhash, int port, BindOwner sk) {
        InetBindBucket tb = bhash.get(port);
        if (tb == null) tb = inetBindBucketCreate(bhash, port, -1);
        inetBindHash(tb, sk);
    }

    /** A listener as lhash2 holds it, for the lockless lookup. */
    public interface LhashEntry {
        TcpSock sk();
    }

    /**
     * net/ipv4/inet_hashtables.c: __inet_lookup_listener — the listeners on the segment's port bound to
     * its destination address score best (inet_lhash2_lookup with daddr), else those bound to
     * INADDR_ANY. All of the best are returned: one is the answer; more than one is a SO_REUSEPORT
     * group, from which reuseport_select_sock would pick by hash.
     */
    public static <L extends LhashEntry> List<L> inetLookupListener(List<L> onPort, int daddr) {
        if (onPort.size() == 1) { // the common case, without a list made per segment
            TcpSock sk = onPort.get(0).sk();
            boolean match = sk.skState == TcpState.LISTEN && (sk.inetSaddr == daddr || sk.inetSaddr == 0);
            return match ? onPort : List.of();
        }
        List<L> exact = new ArrayList<>(1), any = new ArrayList<>(1);
        for (L l : onPort) {
            TcpSock sk = l.sk();
            if (sk.skState != TcpState.LISTEN) continue; // being unhashed
            if (sk.inetSaddr == daddr) exact.add(l);
            else if (sk.inetSaddr == 0) any.add(l);
        }
        return exact.isEmpty() ? any : exact;
    }

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
        final TablePerturb tablePerturb;
        int offset;
        int port;
        int i;

        /**
         * net/ipv4/inet_hashtables.c: __inet_hash_connect, the set-up: [low, high] from
         * ip_local_port_range, an even-sized range, the start offset from table_perturb and the
         * 64-bit port_offset, same parity as low first.
         */
        public PortScan(int low, int high, long portOffset, TablePerturb tablePerturb) {
            this.low = low;
            this.high = high + 1; // [32768, 60999] -> [32768, 61000[
            int rem = this.high - low;
            if (rem > 1) rem &= ~1;
            this.remaining = rem;
            this.tablePerturb = tablePerturb;
            this.index = (int) (portOffset & (INET_TABLE_PERTURB_SIZE - 1));
            int off = tablePerturb.get(index) + (int) (portOffset >>> 32);
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
            tablePerturb.add(index, step + 2);
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
