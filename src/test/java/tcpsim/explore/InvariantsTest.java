package tcpsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.RequestSockQueue;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Trace;
import tcpsim.sock.ListenerEntry;
import tcpsim.sock.ReqEntry;

/** Each built-in invariant against a hand-built state that breaks it, and the same state mended. */
class InvariantsTest {
    static final int SERVER = Skb.ip("10.0.0.1"), CLIENT = Skb.ip("10.0.0.2");

    record View(Map<String, NetNs> hosts, RunStats stats, boolean quiescent, boolean ended,
                Map<ListenerEntry, String> listenersSeen) implements RunView {
        public long nowNanos() { return 0; }
        public long steps() { return 0; }
    }

    static NetNs ns(String name, int addr) {
        return new NetNs(name, addr, Sysctls.defaults(), 1500, 1, () -> 0, Trace.OFF);
    }

    static View view(NetNs ns) {
        return new View(Map.of(ns.name, ns), new RunStats(), true, true, new LinkedHashMap<>());
    }

    static TcpSock sock(NetNs ns, TcpState state, int lport, int daddr, int dport) {
        TcpSock sk = new TcpSock();
        sk.skState = state;
        sk.inetSaddr = ns.addr;
        sk.inetNum = lport;
        sk.inetDaddr = daddr;
        sk.inetDport = dport;
        sk.hashed = state != TcpState.CLOSE;
        ns.register(sk);
        return sk;
    }

    static ListenerEntry listener(NetNs ns, int port, int backlog) {
        TcpSock sk = sock(ns, TcpState.LISTEN, port, 0, 0);
        sk.inetSaddr = 0;
        sk.skMaxAckBacklog = backlog;
        sk.icskBindHash = true;
        sk.bindPortLock = true;
        ListenerEntry l = new ListenerEntry(sk, new RequestSockQueue(), null, null, 5);
        ns.lhashAdd(l);
        return l;
    }

    @Test
    void twoEstablishedSocketsOnOneTupleBreakEhashUnique() {
        NetNs c = ns("client", CLIENT);
        sock(c, TcpState.ESTABLISHED, 40000, SERVER, 80);
        assertNull(Invariants.EHASH_UNIQUE.check(view(c)));
        TcpSock twin = sock(c, TcpState.SYN_SENT, 40000, SERVER, 80);
        String msg = Invariants.EHASH_UNIQUE.check(view(c));
        assertNotNull(msg);
        assertTrue(msg.contains("10.0.0.2:40000 10.0.0.1:80"), msg);
        twin.skState = TcpState.CLOSE; // closed: unhashed, no longer in ehash
        twin.hashed = false;
        assertNull(Invariants.EHASH_UNIQUE.check(view(c)));
    }

    @Test
    void aRequestOnTheTupleOfAnEstablishedSocketBreaksEhashUnique() {
        NetNs s = ns("server", SERVER);
        sock(s, TcpState.ESTABLISHED, 80, CLIENT, 40000);
        FourTuple t = FourTuple.of(SERVER, 80, CLIENT, 40000);
        s.ehash.put(t, new ReqEntry(null, new RequestSock(t)));
        assertNotNull(Invariants.EHASH_UNIQUE.check(view(s)));
    }

    @Test
    void twoBindsOfOnePortWithoutReuseConflictAndReuseaddrMendsIt() {
        NetNs s = ns("server", SERVER);
        TcpSock a = sock(s, TcpState.CLOSE, 80, 0, 0), b = sock(s, TcpState.CLOSE, 80, 0, 0);
        for (TcpSock sk : List.of(a, b)) {
            sk.icskBindHash = true;
            sk.bindPortLock = true;
        }
        assertTrue(Invariants.BIND_CONFLICT.check(view(s)).contains("port 80"));
        a.skReuse = b.skReuse = true;
        assertNull(Invariants.BIND_CONFLICT.check(view(s)));
        a.skState = b.skState = TcpState.LISTEN; // SO_REUSEADDR never lets two listeners share
        assertNotNull(Invariants.BIND_CONFLICT.check(view(s)));
    }

    @Test
    void aPortConnectChoseSharedWithABindConflicts() {
        NetNs c = ns("client", CLIENT);
        TcpSock connected = sock(c, TcpState.ESTABLISHED, 40000, SERVER, 80);
        connected.icskBindHash = true; // connect()'s own port: no SOCK_BINDPORT_LOCK
        TcpSock other = sock(c, TcpState.SYN_SENT, 40000, SERVER, 81);
        other.icskBindHash = true;
        assertNull(Invariants.BIND_CONFLICT.check(view(c)), "two connect()s share a port on different 4-tuples");
        TcpSock bound = sock(c, TcpState.CLOSE, 40000, 0, 0);
        bound.icskBindHash = true;
        bound.bindPortLock = true;
        bound.skReuse = connected.skReuse = other.skReuse = true;
        assertTrue(Invariants.BIND_CONFLICT.check(view(c)).contains("connect() chose"));
    }

    @Test
    void anAcceptQueueOfBacklogPlusTwoBreaksTheBound() {
        NetNs s = ns("server", SERVER);
        ListenerEntry l = listener(s, 80, 1);
        l.queue().skAckBacklog.set(2);
        assertNull(Invariants.ACCEPT_QUEUE_BOUND.check(view(s)), "backlog + 1 fit");
        l.queue().skAckBacklog.set(3);
        assertTrue(Invariants.ACCEPT_QUEUE_BOUND.check(view(s)).contains("3 children queued"));
    }

    @Test
    void aConnectStillPendingAtTheEndBreaksConnectEnds() {
        NetNs c = ns("client", CLIENT);
        View v = view(c);
        v.stats().appStarted();
        assertNotNull(Invariants.CONNECT_ENDS.check(v));
        v.stats().outcome("app", 0, 0, 1, "connected");
        v.stats().appFinished();
        assertNull(Invariants.CONNECT_ENDS.check(v));
    }

    @Test
    void aRequestWithoutItsTimerBreaksRequestTimerOnlyAtQuiescentPoints() {
        NetNs s = ns("server", SERVER);
        listener(s, 80, 1);
        FourTuple t = FourTuple.of(SERVER, 80, CLIENT, 40000);
        RequestSock req = new RequestSock(t);
        s.ehash.put(t, new ReqEntry(null, req));
        assertNotNull(Invariants.REQUEST_TIMER.check(view(s)));
        View busy = new View(Map.of("server", s), new RunStats(), false, false, new LinkedHashMap<>());
        assertNull(Invariants.REQUEST_TIMER.check(busy), "its Hashed reply may still be on its way to arm the timer");
        req.rskTimer.pending = true;
        assertNull(Invariants.REQUEST_TIMER.check(view(s)));
    }

    @Test
    void aRequestOrAQueuedChildOfAClosedListenerIsALeak() {
        NetNs s = ns("server", SERVER);
        FourTuple t = FourTuple.of(SERVER, 80, CLIENT, 40000);
        s.ehash.put(t, new ReqEntry(null, new RequestSock(t)));
        assertTrue(Invariants.NO_LEAK.check(view(s)).contains("outlived its listener"));
        ListenerEntry l = listener(s, 80, 1);
        assertNull(Invariants.NO_LEAK.check(view(s)));
        s.ehash.clear();
        View v = view(s);
        v.listenersSeen().put(l, "server");
        l.sk().skState = TcpState.CLOSE;
        s.lhashRemove(80, l);
        assertNull(Invariants.NO_LEAK.check(v));
        l.queue().skAckBacklog.set(1);
        assertTrue(Invariants.NO_LEAK.check(v).contains("1 children in its accept queue"));
    }

    @Test
    void currEstabWithoutItsSocketBreaksMibConsistent() {
        NetNs s = ns("server", SERVER);
        sock(s, TcpState.ESTABLISHED, 80, CLIENT, 40000);
        s.net.mib.inc(Counter.TcpCurrEstab);
        assertNull(Invariants.MIB_CONSISTENT.check(view(s)));
        s.net.mib.inc(Counter.TcpCurrEstab);
        assertTrue(Invariants.MIB_CONSISTENT.check(view(s)).contains("TcpCurrEstab is 2 but 1"));
    }

    @Test
    void scenariosPickBuiltInsByNameAndUnknownNamesAreRefused() {
        assertEquals(Invariants.all(), Invariants.named(List.of()));
        assertEquals(List.of(Invariants.NO_LEAK), Invariants.named(List.of("no-leak")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Invariants.named(List.of("nope")));
        assertTrue(e.getMessage().contains("'nope'"));
    }
}
