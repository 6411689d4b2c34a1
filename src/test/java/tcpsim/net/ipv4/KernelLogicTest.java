package tcpsim.net.ipv4;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Net;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.TcpOption;
import tcpsim.runtime.Trace;

/** The kernel functions as plain code, against kernel-reference.md and the live kernel's numbers. */
class KernelLogicTest {
    static final int A = Skb.ip("10.0.0.2"), B = Skb.ip("10.0.0.1");

    /** Virtual time for {@link #net}, set by each test. */
    private long now;
    /** The namespace B: default sysctls, MTU 1500, the clock above. */
    private final Net net = new Net("b", B, Sysctls.defaults(), 1500, 1, () -> now, Trace.OFF);

    private static <E extends Effects.Effect> List<E> effects(Effects fx, Class<E> kind) {
        return fx.list().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    @ParameterizedTest(name = "listen({0}) with somaxconn {1} -> {2}")
    @CsvSource({"128, 4096, 128", "5000, 4096, 4096", "-1, 4096, 4096", "0, 4096, 0", "4096, 4096, 4096"})
    void sysListenClampsUnsignedToSomaxconn(int backlog, int somaxconn, int expected) {
        assertEquals(expected, Socket.sysListenBacklog(backlog, somaxconn));
    }

    @ParameterizedTest(name = "rmem max {0} -> wscale {1}")
    @CsvSource({"15728640, 8", "33554432, 10", "6291456, 7", "4194304, 7",
        "65535, 2"}) // a small tcp_rmem[2]: net.core.rmem_max (212992 here) decides
    void windowScaleIsIlog2OfTheLargestBufferMinus15(int rmemMax, int wscale) {
        var w = TcpOutput.tcpSelectInitialWindow(65536, 1460, 0, true, rmemMax, 212992);
        assertEquals(wscale, w.rcvWscale());
    }

    @Test
    void initialWindowsMatchTheLiveKernelAtMtu1500() {
        int space = TcpOutput.tcpFullSpace(131072); // tcp_rmem[1] default
        assertEquals(64240, TcpOutput.tcpSelectInitialWindow(space, 1460, 0, true, 33554432, 4194304).rcvWnd());
        assertEquals(65160, TcpOutput.tcpSelectInitialWindow(space, 1448, 0, true, 33554432, 4194304).rcvWnd());
        // packetdrill's defaults.sh (tcp_rmem 4096 540000 15728640): "the SYN-ACK still says win 65535"
        var pd = TcpOutput.tcpSelectInitialWindow(TcpOutput.tcpFullSpace(540000), 1448, 0, true, 15728640, 4194304);
        assertEquals(65535, pd.rcvWnd());
        assertEquals(8, pd.rcvWscale());
    }

    @Test
    void optionLayoutsAreTheKernels() {
        assertEquals("[mss 1460, sackOK, TS val 5 ecr 0, nop, wscale 7]", TcpOutput.tcpOptionsWrite(1460, true, true, 5, 0, 7).toString());
        assertEquals("[mss 1460, nop, nop, sackOK, nop, wscale 7]", TcpOutput.tcpOptionsWrite(1460, true, false, 0, 0, 7).toString());
        assertEquals("[mss 1460, nop, nop, TS val 5 ecr 6]", TcpOutput.tcpOptionsWrite(1460, false, true, 5, 6, -1).toString());
        assertEquals("[mss 536]", TcpOutput.tcpOptionsWrite(536, false, false, 0, 0, -1).toString());
    }

    @Test
    void portSearchTriesLowsParityFirstThenTheOther() {
        var scan = new InetHashtables.PortScan(32768, 32779, 0, new InetHashtables.TablePerturb()); // 12 ports
        List<Integer> seen = new ArrayList<>();
        int p;
        while ((p = scan.next(x -> false)) >= 0) {
            seen.add(p);
            scan.skip();
        }
        assertEquals(List.of(32768, 32770, 32772, 32774, 32776, 32778, 32769, 32771, 32773, 32775, 32777, 32779), seen,
            "even ports (low's parity) first, then odd; -1 (EADDRNOTAVAIL) when both are spent");
    }

    @Test
    void portSearchSkipsReservedPortsAndStartsFromThePerturbedOffset() {
        var perturb = new InetHashtables.TablePerturb();
        perturb.add(5, 7); // index = port_offset & 0xffff = 5; offset = (7 + 0) % 12 = 7, made even: 6
        var scan = new InetHashtables.PortScan(32768, 32779, 5, perturb);
        assertEquals(32776, scan.next(x -> x == 32774));
        scan.ok(0);
        // one port (32774) was passed over, so i = 2: table_perturb[index] += max(i, (rand & 7) * 2) + 2
        assertEquals(7 + 2 + 2, perturb.get(5));
        assertEquals(0, perturb.get(6), "the others start at zero, as alloc_large_system_hash leaves them");
    }

    @Test
    void requestTimerBacksOffOneThreeSevenFifteenThirtyOneThenExpiresAt63() {
        RequestSock req = new RequestSock(FourTuple.of(B, 80, A, 40000));
        req.timeout = InetConnectionSock.TCP_TIMEOUT_INIT;
        RequestSockQueue q = new RequestSockQueue();
        q.reqskQueueAdded();
        List<Long> retransmits = new ArrayList<>();
        now = req.timeout;
        Effects fx;
        while (!(fx = InetConnectionSock.reqskTimerHandler(net, req, q, 128, 5)).has(Effects.ReqskDrop.class)) {
            retransmits.add(now / 1_000_000_000L);
            assertEquals(1, effects(fx, Effects.Emit.class).size(), "one SYN-ACK per expiry");
            now = effects(fx, Effects.ModTimer.class).get(0).expiresNanos();
        }
        assertEquals(List.of(1L, 3L, 7L, 15L, 31L), retransmits);
        assertEquals(63_000_000_000L, now, "dropped at 63 s (ip-sysctl.rst)");
        assertEquals(5, net.mib.get(Counter.TcpRetransSegs));
        assertEquals(5, net.mib.get(Counter.TcpOutSegs), "tcp_make_synack counts each SYN-ACK once");
        assertEquals(5, net.mib.get(Counter.TcpExtTCPSynRetrans));
        assertEquals(6, net.mib.get(Counter.TcpExtTCPTimeouts), "tcp_syn_ack_timeout: every expiry, the last too");
        assertEquals(0, q.young.get(), "no longer young after its first timeout");
    }

    @Test
    void resetAnswersAnAckWithItsAckNumberAndASynWithAnAck() {
        Skb ack = new Skb(A, B, 40000, 80, 1000, 555, Skb.ACK, 100, List.of());
        Skb r1 = TcpIpv4.tcpV4SendReset(net, ack);
        assertEquals(Skb.RST, r1.flags());
        assertEquals(555, r1.seq());
        Skb syn = new Skb(A, B, 40000, 80, 1000, 0, Skb.SYN, 100, List.of());
        Skb r2 = TcpIpv4.tcpV4SendReset(net, syn);
        assertEquals(Skb.RST | Skb.ACK, r2.flags());
        assertEquals(0, r2.seq());
        assertEquals(1001, r2.ackSeq());
        assertEquals(40000, r2.dport());
        assertEquals(2, net.mib.get(Counter.TcpOutRsts));
        assertEquals(2, net.mib.get(Counter.TcpOutSegs));
    }

    @ParameterizedTest(name = "{0} to a listener -> {1}")
    @CsvSource({"18, RST", "16, RST", "4, NOTHING", "3, NOTHING", "2, CONN_REQUEST", "0, NOTHING", "1, NOTHING"})
    void listenCase(int flags, String verdict) {
        TcpSock l = new TcpSock();
        l.skState = TcpState.LISTEN;
        Effects fx = TcpInput.tcpRcvStateProcess(net, l, new Skb(A, B, 1, 80, 0, 0, flags, 0, List.of()));
        String got = fx.list().isEmpty() ? "NOTHING"
            : fx.list().get(0) instanceof Effects.ConnRequest ? "CONN_REQUEST"
            : ((Effects.Emit) fx.list().get(0)).skb().rst() ? "RST" : fx.toString();
        assertEquals(verdict, got);
        assertEquals(1, fx.list().size() + (got.equals("NOTHING") ? 1 : 0));
    }

    private TcpSock synSent() {
        TcpSock tp = new TcpSock();
        tp.skState = TcpState.SYN_SENT;
        tp.inetSaddr = A;
        tp.inetNum = 40000;
        tp.inetDaddr = B;
        tp.inetDport = 80;
        tp.sndUna = 1000;
        tp.sndNxt = 1001;
        tp.hashed = true;
        tp.icskBindHash = true;
        tp.retransmitTimer.pending = true;
        return tp;
    }

    @Test
    void synSentAnswersAnUnacceptableAckWithResetAndRearmsTheSynAtOnce() {
        TcpSock tp = synSent();
        tp.retransmitTimer.pending = false;
        now = 10;
        Skb bad = new Skb(B, A, 80, 40000, 9, 5000, Skb.SYN | Skb.ACK, 100, List.of(new TcpOption.Mss(1460)));
        Effects fx = TcpInput.tcpRcvStateProcess(net, tp, bad);
        assertEquals(TcpState.SYN_SENT, tp.skState);
        assertEquals(10 + InetConnectionSock.TCP_TIMEOUT_MIN, effects(fx, Effects.ModTimer.class).get(0).expiresNanos(),
            "TCP_TIMEOUT_MIN: 2 jiffies at HZ=250");
        Skb rst = effects(fx, Effects.Emit.class).get(0).skb();
        assertEquals(Skb.RST, rst.flags(), "reset_and_undo: tcp_v4_send_reset with seq = the bad ACK number");
        assertEquals(5000, rst.seq());
    }

    @Test
    void rstWithAcceptableAckInSynSentRefusesTheConnectionThroughTcpDone() {
        TcpSock tp = synSent();
        Skb rst = new Skb(B, A, 80, 40000, 0, 1001, Skb.RST | Skb.ACK, 0, List.of());
        Effects fx = TcpInput.tcpRcvStateProcess(net, tp, rst);
        assertEquals(TcpState.CLOSE, tp.skState);
        assertEquals(Errno.ECONNREFUSED, tp.skErr);
        assertEquals(1, net.mib.get(Counter.TcpAttemptFails));
        // tcp_done: tcp_set_state(CLOSE) unhashes and puts the port (not bind()-locked), timers stop, sleepers wake
        assertEquals(List.of(new Effects.Unhash(FourTuple.of(A, 40000, B, 80)), new Effects.PutPort(40000),
            new Effects.DelTimer(tp.retransmitTimer), new Effects.StateChange()), fx.list());
        assertFalse(tp.hashed);
        assertFalse(tp.icskBindHash);
        assertEquals(0, tp.inetNum);
    }

    @Test
    void synAckInSynSentEstablishesAndAcksOnceCounted() {
        TcpSock tp = synSent();
        Skb synack = new Skb(B, A, 80, 40000, 5000, 1001, Skb.SYN | Skb.ACK, 65535, List.of(new TcpOption.Mss(1460)));
        Effects fx = TcpInput.tcpRcvStateProcess(net, tp, synack);
        assertEquals(TcpState.ESTABLISHED, tp.skState);
        assertEquals(1, net.mib.get(Counter.TcpCurrEstab));
        Skb ack = effects(fx, Effects.Emit.class).get(0).skb();
        assertEquals(Skb.ACK, ack.flags());
        assertEquals(5001, ack.ackSeq());
        assertEquals(1, net.mib.get(Counter.TcpOutSegs), "an ACK carries no sequence space: counted");
        assertTrue(fx.has(Effects.StateChange.class), "tcp_finish_connect wakes connect()");
    }

    @ParameterizedTest(name = "a segment in {0} is not modelled yet")
    @CsvSource({"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"})
    void synchronizedStatesSayNotModelled(TcpState state) {
        TcpSock tp = synSent();
        tp.skState = state;
        Effects fx = TcpInput.tcpRcvStateProcess(net, tp, new Skb(B, A, 80, 40000, 5001, 1001, Skb.ACK, 100, List.of()));
        assertEquals(1, fx.list().size());
        assertTrue(((Effects.NotModelled) fx.list().get(0)).what().startsWith("segment in " + state), fx.toString());
    }

    @Test
    void synRetransmitsAreNotOutSegsAndTheLastExpiryCountsATimeout() {
        TcpSock tp = synSent();
        tp.retransStamp = 0;
        tp.icskRto = InetConnectionSock.TCP_TIMEOUT_INIT;
        Effects fx;
        int syns = 0;
        now = tp.icskRto;
        while (!(fx = TcpTimer.tcpWriteTimerHandler(net, tp)).has(Effects.StateChange.class)) {
            syns += effects(fx, Effects.Emit.class).size();
            now = effects(fx, Effects.ModTimer.class).get(0).expiresNanos();
        }
        assertEquals(6 + 4, syns, "tcp_syn_retries 6 plus tcp_syn_linear_timeouts 4");
        assertEquals(0, net.mib.get(Counter.TcpOutSegs), "a retransmitted SYN does not advance snd_nxt");
        assertEquals(10, net.mib.get(Counter.TcpRetransSegs));
        assertEquals(11, net.mib.get(Counter.TcpExtTCPTimeouts), "every expiry, the one that gives up too");
        assertEquals(Errno.ETIMEDOUT, tp.skErr);
        assertEquals(TcpState.CLOSE, tp.skState);
    }

    @Test
    void closingAListenerUnhashesStopsTheQueueThenGivesItsLockedPortBackOnDestroy() {
        TcpSock l = new TcpSock();
        l.inetNum = 8080;
        l.skState = TcpState.LISTEN;
        l.hashed = true;
        l.icskBindHash = true;
        l.bindPortLock = true;
        Effects fx = Tcp.tcpClose(net, l);
        assertEquals(List.of(new Effects.Unhash(FourTuple.of(0, 8080, 0, 0)), new Effects.ListenStop(),
            new Effects.StateChange(), new Effects.PutPort(8080), new Effects.Destroy()), fx.list());
        assertEquals(TcpState.CLOSE, l.skState);
    }

    @Test
    void closingASynchronizedSocketIsNotModelledAndLeavesItAlone() {
        TcpSock tp = synSent();
        tp.skState = TcpState.ESTABLISHED;
        Effects fx = Tcp.tcpClose(net, tp);
        assertEquals(List.of(new Effects.NotModelled("close() in ESTABLISHED")), fx.list());
        assertEquals(TcpState.ESTABLISHED, tp.skState);
    }

    @Test
    void aChildForgottenByItsListenerIsResetWithRstAckAndDestroyed() {
        TcpSock c = synSent();
        c.skState = TcpState.ESTABLISHED;
        c.icskBindHash = false;
        c.rcvNxt = 7000;
        Effects fx = Tcp.tcpDisconnectOrphan(net, c);
        Skb rst = effects(fx, Effects.Emit.class).get(0).skb();
        assertEquals(Skb.RST | Skb.ACK, rst.flags(), "tcp_send_active_reset: RST|ACK at snd_nxt/rcv_nxt");
        assertEquals(1001, rst.seq());
        assertEquals(7000, rst.ackSeq());
        assertEquals(1, net.mib.get(Counter.TcpOutRsts));
        assertEquals(1, net.mib.get(Counter.TcpEstabResets));
        assertTrue(fx.has(Effects.Unhash.class) && fx.has(Effects.Destroy.class), fx.toString());
    }

    private static BindOwner owner(TcpSock sk, boolean reuse, boolean reuseport, boolean listen) {
        sk.skReuse = reuse;
        sk.skReuseport = reuseport;
        return BindOwner.of(sk, listen);
    }

    @Test
    void aPortPutBackCanBeBoundAgain() {
        Map<Integer, InetHashtables.InetBindBucket> bhash = new HashMap<>();
        TcpSock first = new TcpSock(), second = new TcpSock();
        assertNull(InetConnectionSock.inetCskGetPort(bhash, 8080, owner(first, false, false, false)));
        assertNull(InetConnectionSock.inetCskGetPort(bhash, 8080, owner(first, false, false, true)), "listen re-validates");
        assertEquals(Errno.EADDRINUSE, InetConnectionSock.inetCskGetPort(bhash, 8080, owner(second, false, false, false)));
        InetHashtables.inetPutPort(bhash, 8080, first);
        assertFalse(bhash.containsKey(8080), "inet_bind_bucket_destroy: an empty bucket goes");
        assertNull(InetConnectionSock.inetCskGetPort(bhash, 8080, owner(second, false, false, false)));
    }

    @ParameterizedTest(name = "reuse {0}/{1}, reuseport {2}/{3}, first listening {4} -> conflict {5}")
    @CsvSource({"false,false,false,false,false,true", "true,true,false,false,false,false", "true,true,false,false,true,true",
        "false,false,true,true,true,false", "true,false,false,false,false,true", "false,false,true,false,true,true"})
    void bindConflictFollowsReuseaddrAndReuseport(boolean r1, boolean r2, boolean rp1, boolean rp2, boolean listen1,
                                                  boolean conflict) {
        Map<Integer, InetHashtables.InetBindBucket> bhash = new HashMap<>();
        assertNull(InetConnectionSock.inetCskGetPort(bhash, 80, owner(new TcpSock(), r1, rp1, listen1)));
        Errno e = InetConnectionSock.inetCskGetPort(bhash, 80, owner(new TcpSock(), r2, rp2, false));
        assertEquals(conflict ? Errno.EADDRINUSE : null, e);
        assertEquals(conflict ? 1 : 2, bhash.get(80).owners().size());
    }

    @Test
    void connectNeverSharesABucketMadeByBind() {
        Map<Integer, InetHashtables.InetBindBucket> bhash = new HashMap<>();
        assertTrue(InetHashtables.inetHashConnectMayUse(null));
        InetHashtables.inetHashConnectBind(bhash, 40000, BindOwner.of(new TcpSock(), false));
        assertTrue(InetHashtables.inetHashConnectMayUse(bhash.get(40000)), "connect()'s own bucket may be shared");
        InetConnectionSock.inetCskGetPort(bhash, 40001, BindOwner.of(new TcpSock(), false));
        assertFalse(InetHashtables.inetHashConnectMayUse(bhash.get(40001)));
    }

    record L(TcpSock sk) implements InetHashtables.LhashEntry {}

    private static L listener(int addr, boolean listening) {
        TcpSock sk = new TcpSock();
        sk.inetSaddr = addr;
        sk.skState = listening ? TcpState.LISTEN : TcpState.CLOSE;
        return new L(sk);
    }

    @Test
    void listenerLookupPrefersTheBoundAddressAndReturnsAReuseportGroupWhole() {
        L any = listener(0, true), bound = listener(B, true), other = listener(A, true), closing = listener(B, false);
        assertEquals(List.of(bound), InetHashtables.inetLookupListener(List.of(any, bound, other, closing), B));
        assertEquals(List.of(any), InetHashtables.inetLookupListener(List.of(any, other), B));
        L any2 = listener(0, true);
        assertEquals(List.of(any, any2), InetHashtables.inetLookupListener(List.of(any, any2), B),
            "two SO_REUSEPORT listeners: reuseport_select_sock's choice");
        assertEquals(List.of(), InetHashtables.inetLookupListener(List.of(other, closing), B));
    }

    @Test
    void acceptQueueHoldsBacklogPlusOneAndSynQueueBacklog() {
        RequestSockQueue q = new RequestSockQueue();
        q.skAckBacklog.set(4);
        assertFalse(q.skAcceptqIsFull(4), "4 > 4 is false: a fifth child still fits");
        q.skAckBacklog.set(5);
        assertTrue(q.skAcceptqIsFull(4));
        q.qlen.set(4);
        assertFalse(q.inetCskReqskQueueIsFull(4), "qlen > backlog on 6.18 (>= before 6.14)");
        q.qlen.set(5);
        assertTrue(q.inetCskReqskQueueIsFull(4));
        assertFalse(new RequestSockQueue().inetCskReqskQueueIsFull(0), "listen(fd, 0) still takes one request");
    }
}
