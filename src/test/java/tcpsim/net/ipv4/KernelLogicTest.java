package tcpsim.net.ipv4;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tcpsim.net.Mib;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/** The kernel functions as plain code, against kernel-reference.md and the live kernel's numbers. */
class KernelLogicTest {
    static final int A = Skb.ip("10.0.0.2"), B = Skb.ip("10.0.0.1");

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
        int[] perturb = new int[InetHashtables.INET_TABLE_PERTURB_SIZE];
        var scan = new InetHashtables.PortScan(32768, 32779, 0, perturb); // 12 ports
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
        int[] perturb = new int[InetHashtables.INET_TABLE_PERTURB_SIZE];
        perturb[5] = 7; // index = port_offset & 0xffff = 5; offset = (7 + 0) % 12 = 7, made even: 6
        var scan = new InetHashtables.PortScan(32768, 32779, 5, perturb);
        assertEquals(32776, scan.next(x -> x == 32774));
        scan.ok(0);
        // one port (32774) was passed over, so i = 2: table_perturb[index] += max(i, (rand & 7) * 2) + 2
        assertEquals(7 + 2 + 2, perturb[5]);
    }

    @Test
    void requestTimerBacksOffOneThreeSevenFifteenThirtyOneThenExpiresAt63() {
        RequestSock req = new RequestSock(FourTuple.of(B, 80, A, 40000));
        req.timeout = InetConnectionSock.TCP_TIMEOUT_INIT;
        RequestSockQueue q = new RequestSockQueue();
        q.reqskQueueAdded();
        Effects fx = new Effects();
        Mib mib = new Mib();
        long now = 0, first = req.timeout;
        List<Long> retransmits = new ArrayList<>();
        now = first;
        while (InetConnectionSock.reqskTimerHandler(req, q, 128, 5, 1460, now, fx, mib) == InetConnectionSock.ReqskTimer.RETRANSMITTED) {
            retransmits.add(now / 1_000_000_000L);
            Effects.ModTimer mod = (Effects.ModTimer) fx.list().get(fx.list().size() - 1);
            now = mod.expiresNanos();
            fx.clear();
        }
        assertEquals(List.of(1L, 3L, 7L, 15L, 31L), retransmits);
        assertEquals(63_000_000_000L, now, "dropped at 63 s (ip-sysctl.rst)");
        assertEquals(5, mib.get(Mib.Counter.TcpRetransSegs));
        assertEquals(0, q.young.get(), "no longer young after its first timeout");
    }

    @Test
    void resetAnswersAnAckWithItsAckNumberAndASynWithAnAck() {
        Skb ack = new Skb(A, B, 40000, 80, 1000, 555, Skb.ACK, 100, List.of());
        Skb r1 = TcpIpv4.tcpV4SendReset(ack);
        assertEquals(Skb.RST, r1.flags());
        assertEquals(555, r1.seq());
        Skb syn = new Skb(A, B, 40000, 80, 1000, 0, Skb.SYN, 100, List.of());
        Skb r2 = TcpIpv4.tcpV4SendReset(syn);
        assertEquals(Skb.RST | Skb.ACK, r2.flags());
        assertEquals(0, r2.seq());
        assertEquals(1001, r2.ackSeq());
        assertEquals(40000, r2.dport());
    }

    @ParameterizedTest(name = "{0} to a listener -> {1}")
    @CsvSource({"18, RESET", "16, RESET", "4, DISCARD", "3, DISCARD", "2, CONN_REQUEST", "0, DISCARD", "1, DISCARD"})
    void listenCase(int flags, TcpInput.ListenVerdict verdict) {
        assertEquals(verdict, TcpInput.tcpRcvStateProcessListen(new Skb(A, B, 1, 80, 0, 0, flags, 0, List.of())));
    }

    @Test
    void synSentAnswersAnUnacceptableAckWithResetAndRearmsTheSynAtOnce() {
        TcpSock tp = new TcpSock();
        tp.skState = TcpState.SYN_SENT;
        tp.sndUna = 1000;
        tp.sndNxt = 1001;
        Effects fx = new Effects();
        Mib mib = new Mib();
        Skb bad = new Skb(B, A, 80, 40000, 9, 5000, Skb.SYN | Skb.ACK, 100, List.of(new TcpOption.Mss(1460)));
        assertEquals(TcpInput.SynSent.RESET, TcpInput.tcpRcvSynsentStateProcess(tp, bad, true, true, true, 10, fx, mib));
        assertEquals(TcpState.SYN_SENT, tp.skState);
        Effects.ModTimer mod = (Effects.ModTimer) fx.list().get(0);
        assertEquals(10 + InetConnectionSock.TCP_TIMEOUT_MIN, mod.expiresNanos(), "TCP_TIMEOUT_MIN: 2 jiffies at HZ=250");
    }

    @Test
    void rstWithAcceptableAckInSynSentRefusesTheConnection() {
        TcpSock tp = new TcpSock();
        tp.skState = TcpState.SYN_SENT;
        tp.sndUna = 1000;
        tp.sndNxt = 1001;
        Mib mib = new Mib();
        Skb rst = new Skb(B, A, 80, 40000, 0, 1001, Skb.RST | Skb.ACK, 0, List.of());
        assertEquals(TcpInput.SynSent.REFUSED, TcpInput.tcpRcvSynsentStateProcess(tp, rst, true, true, true, 10, new Effects(), mib));
        assertEquals(TcpState.CLOSE, tp.skState);
        assertEquals(Errno.ECONNREFUSED, tp.skErr);
        assertEquals(1, mib.get(Mib.Counter.TcpAttemptFails));
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
