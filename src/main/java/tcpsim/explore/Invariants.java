package tcpsim.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.sock.ListenerEntry;
import tcpsim.sock.ReqEntry;

/**
 * The built-in invariants. Each cites the kernel rule it holds the model to. Checks read the
 * namespaces' tables the way the kernel's lockless readers do; those that only hold once every lock
 * is released (a request between its ehash insert and its timer arming, a child between its state
 * change and its registration) look only at quiescent points and at the end.
 */
public final class Invariants {
    private Invariants() {}

    /** No two live sockets or requests on one 4-tuple: __inet_check_established and inet_ehash_insert's own_req. */
    public static final Invariant EHASH_UNIQUE = Invariant.of("ehash-unique",
        "no two live sockets or requests on one 4-tuple in ehash (__inet_check_established, own_req)",
        Invariant.Kind.SAFETY, Invariants::ehashUnique);

    /** inet_csk_bind_conflict, as InetConnectionSock implements it, over every pair of port owners. */
    public static final Invariant BIND_CONFLICT = Invariant.of("bind-conflict",
        "no two sockets own one port in conflict with the bind rules (inet_csk_bind_conflict; a connect()-made port is never shared with bind())",
        Invariant.Kind.SAFETY, Invariants::bindConflict);

    /** sk_acceptq_is_full tests ack_backlog > backlog: at most backlog + 1 children queue. */
    public static final Invariant ACCEPT_QUEUE_BOUND = Invariant.of("accept-queue-bound",
        "every listener's accept queue holds at most backlog + 1 children (sk_acceptq_is_full)",
        Invariant.Kind.SAFETY, Invariants::acceptQueueBound);

    /** Every connect() returns: connected, or an errno. */
    public static final Invariant CONNECT_ENDS = Invariant.of("connect-ends",
        "every connect() ended by the end of the run, connected or with an errno",
        Invariant.Kind.LIVENESS, Invariants::connectEnds);

    /** reqsk_queue_hash_req arms rsk_timer for every request it hashes; only its expiry or the winning child stop it. */
    public static final Invariant REQUEST_TIMER = Invariant.of("request-timer",
        "every request sock in ehash has its SYN-ACK timer pending (at quiescent points: a request is hashed before its timer is armed)",
        Invariant.Kind.SAFETY, Invariants::requestTimer);

    /** inet_csk_listen_stop empties both queues; nothing of a closed listener may stay. */
    public static final Invariant NO_LEAK = Invariant.of("no-leak",
        "when the run ends, no request in ehash or child in an accept queue belongs to a listener that is gone",
        Invariant.Kind.LIVENESS, Invariants::noLeak);

    /** tcp_set_state moves TcpCurrEstab on every transition into and out of ESTABLISHED. */
    public static final Invariant MIB_CONSISTENT = Invariant.of("mib-consistent",
        "TcpCurrEstab equals the sockets in ESTABLISHED, in every namespace (tcp_set_state; at quiescent points)",
        Invariant.Kind.SAFETY, Invariants::mibConsistent);

    /**
     * reqsk_queue_unlink stops rsk_timer before the request is freed (timer_delete_sync since
     * CVE-2024-50154's fix): an expiry never runs on a freed request (a use-after-free in the kernel).
     */
    public static final Invariant NO_TIMER_AFTER_FREE = Invariant.of("no-timer-after-free",
        "no request timer runs on a request that was already freed (reqsk_queue_unlink stops it first; CVE-2024-50154)",
        Invariant.Kind.SAFETY, Invariants::noTimerAfterFree);

    private static final List<Invariant> ALL = List.of(EHASH_UNIQUE, BIND_CONFLICT, ACCEPT_QUEUE_BOUND, CONNECT_ENDS,
        REQUEST_TIMER, NO_LEAK, MIB_CONSISTENT, NO_TIMER_AFTER_FREE);

    /** Every built-in, in the order reports list them. */
    public static List<Invariant> all() {
        return ALL;
    }

    /** The built-ins of these names, in the order given; empty means all of them. */
    public static List<Invariant> named(List<String> names) {
        if (names.isEmpty()) return ALL;
        List<Invariant> out = new ArrayList<>();
        for (String n : names) {
            Invariant i = byName(n);
            if (i == null) throw new IllegalArgumentException("unknown invariant '" + n + "' (expected one of " + names() + ")");
            if (!out.contains(i)) out.add(i);
        }
        return out;
    }

    public static Invariant byName(String name) {
        for (Invariant i : ALL) if (i.name().equals(name)) return i;
        return null;
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(Invariant::name).toList());
    }

    // ---- the checks ----

    static String who(NetNs ns, TcpSock sk) {
        return ns.name + " " + sk.skState + " " + sk.describe();
    }

    static List<TcpSock> socks(NetNs ns) {
        synchronized (ns.socks) {
            return new ArrayList<>(ns.socks);
        }
    }

    /** A full socket that ehash holds: hashed and neither listening (lhash2) nor closed. */
    static boolean inEhash(TcpSock sk) {
        TcpState s = sk.skState;
        return sk.hashed && s != TcpState.LISTEN && s != TcpState.CLOSE;
    }

    static String ehashUnique(RunView run) {
        // checked at every step: plain loops over the few sockets a scenario has, nothing allocated
        for (NetNs ns : run.hosts().values()) {
            synchronized (ns.socks) {
                List<TcpSock> socks = ns.socks;
                for (int i = 0; i < socks.size(); i++) {
                    TcpSock a = socks.get(i);
                    if (!inEhash(a)) continue;
                    for (int j = 0; j < i; j++) {
                        TcpSock b = socks.get(j);
                        if (inEhash(b) && sameTuple(a, b)) return "two sockets on one 4-tuple: " + who(ns, b) + " and " + who(ns, a);
                    }
                }
                // ehash is a map: a request there on the tuple of a hashed full socket means one overwrote the other
                for (Map.Entry<FourTuple, EhashEntry> e : ns.ehash.entrySet()) {
                    if (!(e.getValue() instanceof ReqEntry)) continue;
                    FourTuple t = e.getKey();
                    for (TcpSock sk : socks) {
                        if (inEhash(sk) && sk.inetSaddr == t.laddr() && sk.inetNum == t.lport() && sk.inetDaddr == t.raddr()
                            && sk.inetDport == t.rport()) {
                            return "a request and a socket on one 4-tuple: request " + ns.name + " " + describeTuple(t) + " and "
                                + who(ns, sk);
                        }
                    }
                }
            }
        }
        return null;
    }

    static boolean sameTuple(TcpSock a, TcpSock b) {
        return a.inetNum == b.inetNum && a.inetDport == b.inetDport && a.inetSaddr == b.inetSaddr && a.inetDaddr == b.inetDaddr;
    }

    static String bindConflict(RunView run) {
        for (NetNs ns : run.hosts().values()) {
            synchronized (ns.socks) {
                List<TcpSock> socks = ns.socks;
                for (int i = 0; i < socks.size(); i++) {
                    TcpSock a = socks.get(i);
                    if (!a.icskBindHash || a.inetNum == 0) continue;
                    for (int j = 0; j < i; j++) {
                        TcpSock b = socks.get(j);
                        if (!b.icskBindHash || b.inetNum != a.inetNum) continue;
                        String why = conflict(b, a);
                        if (why != null) return "port " + a.inetNum + " owned by " + who(ns, b) + " and " + who(ns, a) + ": " + why;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Why two owners of one port conflict, or null. A port connect() chose (no SOCK_BINDPORT_LOCK) is a
     * bucket with fastreuse -1: __inet_hash_connect shares it only among connect()s (ehash keeps those
     * apart) and bind() never joins it. Two bind()s follow inet_csk_bind_conflict both ways round: the
     * later of them was checked against the earlier one, so the pair conflicts when neither order passes.
     */
    static String conflict(TcpSock a, TcpSock b) {
        boolean connectA = !a.bindPortLock && a.skState != TcpState.LISTEN;
        boolean connectB = !b.bindPortLock && b.skState != TcpState.LISTEN;
        if (connectA && connectB) return null;
        if (connectA != connectB) return "a port connect() chose is shared with a bind()";
        boolean overlap = a.inetSaddr == 0 || b.inetSaddr == 0 || a.inetSaddr == b.inetSaddr;
        if (!overlap) return null;
        if (a.skReuseport && b.skReuseport) return null;
        boolean la = a.skState == TcpState.LISTEN, lb = b.skState == TcpState.LISTEN;
        if (a.skReuse && b.skReuse && !(la && lb)) return null;
        return a.skReuse && b.skReuse ? "both listen with SO_REUSEADDR only" : "neither SO_REUSEADDR nor SO_REUSEPORT lets them share it";
    }

    static String acceptQueueBound(RunView run) {
        for (NetNs ns : run.hosts().values()) {
            for (List<ListenerEntry> ls : ns.lhash.values()) {
                for (ListenerEntry l : ls) {
                    int q = l.queue().skAckBacklog.get(), max = l.sk().skMaxAckBacklog;
                    if (q > max + 1) {
                        return "listener " + who(ns, l.sk()) + " has " + q + " children queued, backlog " + max + " allows " + (max + 1);
                    }
                }
            }
        }
        return null;
    }

    static String connectEnds(RunView run) {
        RunStats st = run.stats();
        if (st.done()) return null;
        // every app that must finish reports each connect() as it ends; one not done has a connect() pending
        return "not every connect() ended by " + tcpsim.runtime.Trace.time(run.nowNanos()) + " s: outcomes so far "
            + st.counts();
    }

    static String requestTimer(RunView run) {
        if (!run.quiescent() && !run.ended()) return null;
        for (NetNs ns : run.hosts().values()) {
            for (Map.Entry<FourTuple, EhashEntry> e : ns.ehash.entrySet()) {
                if (e.getValue() instanceof ReqEntry r && !r.req().rskTimer.pending) {
                    return "request " + ns.name + " " + describeTuple(e.getKey()) + " is in ehash with no SYN-ACK timer pending";
                }
            }
        }
        return null;
    }

    static String noLeak(RunView run) {
        for (NetNs ns : run.hosts().values()) {
            for (Map.Entry<FourTuple, EhashEntry> e : ns.ehash.entrySet()) {
                if (!(e.getValue() instanceof ReqEntry)) continue;
                int port = e.getKey().lport();
                boolean listening = ns.listeners(port).stream().anyMatch(l -> l.sk().skState == TcpState.LISTEN);
                if (!listening) {
                    return "request " + ns.name + " " + describeTuple(e.getKey()) + " outlived its listener on port " + port;
                }
            }
        }
        for (Map.Entry<ListenerEntry, String> e : run.listenersSeen().entrySet()) {
            ListenerEntry l = e.getKey();
            if (l.sk().skState == TcpState.LISTEN) continue;
            int queued = l.queue().skAckBacklog.get(), requests = l.queue().qlen.get();
            if (queued != 0 || requests != 0) {
                return "listener " + e.getValue() + " " + l.sk().describe() + " is closed with " + queued
                    + " children in its accept queue and " + requests + " requests in its SYN queue";
            }
        }
        return null;
    }

    static String mibConsistent(RunView run) {
        if (!run.quiescent() && !run.ended()) return null;
        for (NetNs ns : run.hosts().values()) {
            long established = 0;
            for (TcpSock sk : socks(ns)) if (sk.skState == TcpState.ESTABLISHED) established++;
            long mib = ns.net.mib.get(Counter.TcpCurrEstab);
            if (mib != established) {
                return ns.name + ": TcpCurrEstab is " + mib + " but " + established + " sockets are ESTABLISHED";
            }
        }
        return null;
    }

    static String describeTuple(FourTuple t) {
        return Skb.ip(t.laddr()) + ":" + t.lport() + " " + Skb.ip(t.raddr()) + ":" + t.rport();
    }

    static String noTimerAfterFree(RunView run) {
        for (var e : run.hosts().entrySet()) {
            int n = e.getValue().reqskTimerAfterFreeCount();
            if (n > 0) return e.getKey() + ": a request timer ran " + n + " time(s) on a request already freed";
        }
        return null;
    }
}
