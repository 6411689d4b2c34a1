package tcpsim.packetdrill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.testkit.TcpsimExtension;
import tcpsim.net.Icmp;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption.Mss;
import tcpsim.net.TcpOption.Nop;
import tcpsim.net.TcpOption.SackPermitted;
import tcpsim.net.TcpOption.Timestamp;
import tcpsim.net.TcpOption.WindowScale;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.Backend.CallDone;
import tcpsim.packetdrill.Backend.Config;
import tcpsim.packetdrill.Backend.Observed;
import tcpsim.packetdrill.Backend.Outbound;
import tcpsim.packetdrill.Backend.Syscall;
import tcpsim.packetdrill.Backend.SyscallResult;
import tcpsim.packetdrill.LinuxConstants;
import tcpsim.runtime.Simulation;

/** The model through the Backend API alone, as the script runner drives it, on virtual time. */
class ModelBackendTest {
    static final int LOCAL = Skb.ip("192.168.0.1"), REMOTE = Skb.ip("192.0.2.1"), PORT = 8080, PEER_PORT = 40000;
    static final long SECOND = 1_000_000;
    /** One deterministic simulation for the class, reused by every script (TcpsimExtension). */
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    static ModelBackend started(Map<String, String> sysctls) throws BackendException {
        ModelBackend m = new ModelBackend(tcpsim.simulation());
        m.start(new Config(LOCAL, REMOTE, LOCAL, 16, PORT, 1500, sysctls));
        return m;
    }

    @Test
    void passiveOpenAnswersTheSynAtOnceAndAcceptReturnsTheEstablishedChildAsFd4() throws Exception {
        try (ModelBackend m = started(Map.of("net.ipv4.tcp_rmem", "4096 131072 15728640"))) {
            int listener = listeningSocket(m);
            assertEquals(3, listener, "the lowest free fd above stdio");
            m.next(100_000);
            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1000, 0, Skb.SYN, 32792,
                List.of(new Mss(1000), new SackPermitted(), new Timestamp(100, 0), new Nop(), new WindowScale(7))));
            Outbound out = assertInstanceOf(Outbound.class, m.next(200_000));
            assertEquals(100_000, out.timeMicros(), "tcp_conn_request answers in the same softirq");
            Skb synAck = (Skb) out.packet();
            assertEquals("S.", Skb.flagString(synAck.flags()));
            assertEquals(List.of(LOCAL, REMOTE, PORT, PEER_PORT), List.of(synAck.saddr(), synAck.daddr(),
                synAck.sport(), synAck.dport()));
            assertEquals(1001, synAck.ackSeq(), "ack = peer ISN + 1");
            Timestamp ts = synAck.option(Timestamp.class);
            assertNotNull(ts);
            assertEquals(List.of(new Mss(1460), new SackPermitted(), new Timestamp(ts.val(), 100), new Nop(),
                new WindowScale(8)), synAck.options(), "ilog2(15 MiB) - 15 = 8, in tcp_options_write order");

            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1001, synAck.seq() + 1, Skb.ACK, 257,
                List.of(new Nop(), new Nop(), new Timestamp(101, ts.val()))));
            SyscallResult accepted = m.syscall(10, call("accept", new Arg.Int(listener), new Arg.Ellipsis(),
                new Arg.Ellipsis()), false);
            assertEquals(SyscallResult.ok(4), accepted);

            Map<String, Long> info = m.tcpInfo(4);
            assertEquals(1L, info.get("tcpi_state"), "TCP_ESTABLISHED");
            assertEquals(7L, info.get("tcpi_options"), "TCPI_OPT_TIMESTAMPS|SACK|WSCALE");
            assertEquals(7L, info.get("tcpi_snd_wscale"));
            assertEquals(8L, info.get("tcpi_rcv_wscale"));
            assertEquals(988L, info.get("tcpi_snd_mss"), "peer MSS 1000 less 12 bytes of timestamps");
            Map<String, Long> listening = m.tcpInfo(listener);
            assertEquals(10L, listening.get("tcpi_state"), "TCP_LISTEN");
            assertEquals(0L, listening.get("tcpi_unacked"), "accept() emptied the accept queue");
            assertEquals(8L, listening.get("tcpi_sacked"), "the listen() backlog");
        }
    }

    @Test
    void aBlockingAcceptReturnsAsCallDoneAtTheVirtualTimeTheHandshakeCompletes() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            int listener = listeningSocket(m);
            assertNull(m.syscall(7, call("accept", new Arg.Int(listener), new Arg.Ellipsis(), new Arg.Ellipsis()), true),
                "an empty accept queue: the call sleeps");
            assertNull(m.next(5 * SECOND), "nothing happens while nobody connects");
            assertEquals(5 * SECOND, m.nowMicros(), "the clock sits at the deadline");
            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 0, 0, Skb.SYN, 65535, List.of(new Mss(1460))));
            Skb synAck = (Skb) assertInstanceOf(Outbound.class, m.next(6 * SECOND)).packet();
            assertEquals(List.of(new Mss(1460)), synAck.options(), "only what the peer offered");
            m.next(5 * SECOND + 30_000);
            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1, synAck.seq() + 1, Skb.ACK, 65535, List.of()));
            CallDone done = assertInstanceOf(CallDone.class, m.next(6 * SECOND));
            assertEquals(7, done.callId());
            assertEquals(SyscallResult.ok(4), done.result());
            assertEquals(5 * SECOND + 30_000, done.timeMicros(), "accept() returns as the final ACK arrives");
        }
    }

    @Test
    void aMinuteAndMoreOfVirtualTimeCarriesTheWholeSynRetransmissionSchedule() throws Exception {
        try (ModelBackend m = started(Map.of("net.ipv4.tcp_syn_retries", "5"))) {
            int fd = (int) m.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(c("SOCK_STREAM")),
                new Arg.Int(c("IPPROTO_TCP"))), false).ret();
            assertNull(m.syscall(2, call("connect", new Arg.Int(fd), new Arg.Sockaddr(2, REMOTE, PORT), new Arg.Int(16)),
                true));
            List<Long> syns = new ArrayList<>();
            CallDone done = null;
            for (Observed o = m.next(100 * SECOND); o != null; o = m.next(100 * SECOND)) {
                if (o instanceof Outbound out) syns.add(out.timeMicros() / SECOND);
                else done = (CallDone) o;
            }
            // tcp_syn_linear_timeouts=4: five 1 s gaps, then the RTO doubles (kernel-baseline.md section 3.4).
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 7L, 11L, 19L, 35L), syns);
            assertNotNull(done, "connect() gave up");
            assertEquals(SyscallResult.error("ETIMEDOUT"), done.result());
            // The model's timers fire on time; the kernel's timer wheel fires this 32 s one up to 2 s
            // late (512-jiffy granularity at that level), so it measured 68.6 s.
            assertEquals(67 * SECOND, done.timeMicros(), "the timer after the ninth retransmission gives up");
            assertEquals(100 * SECOND, m.nowMicros(), "and the clock went on to the deadline, in virtual time");
        }
    }

    @Test
    void descriptorsAreTheLowestFreeNumberAndCloseFreesThem() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            Syscall socket = call("socket", new Arg.Int(c("AF_INET")), new Arg.Int(c("SOCK_STREAM")), new Arg.Int(0));
            assertEquals(SyscallResult.ok(3), m.syscall(1, socket, false));
            assertEquals(SyscallResult.ok(4), m.syscall(2, socket, false));
            assertEquals(SyscallResult.ok(0), m.syscall(3, call("close", new Arg.Int(3)), false));
            assertEquals(SyscallResult.ok(3), m.syscall(4, socket, false), "3 is free again");
            assertEquals(SyscallResult.ok(5), m.syscall(5, socket, false));
            assertEquals(SyscallResult.error("EBADF"), m.syscall(6, call("close", new Arg.Int(9)), false));
        }
    }

    @Test
    void fcntlSetsAndReportsONonblock() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            long nonblockSocket = c("SOCK_STREAM") | c("SOCK_NONBLOCK");
            m.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(nonblockSocket), new Arg.Int(0)), false);
            Syscall getfl = call("fcntl", new Arg.Int(3), new Arg.Int(c("F_GETFL")));
            assertEquals(SyscallResult.ok(c("O_RDWR") | c("O_NONBLOCK")), m.syscall(2, getfl, false));
            m.syscall(3, call("fcntl", new Arg.Int(3), new Arg.Int(c("F_SETFL")), new Arg.Int(c("O_RDWR"))), false);
            assertEquals(SyscallResult.ok(c("O_RDWR")), m.syscall(4, getfl, false));
        }
    }

    @Test
    void sysctlsTakeEveryScriptSpellingAndShapeTheSyn() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            m.sysctl("/proc/sys/net/ipv4/tcp_timestamps", "0");
            m.sysctl("net/ipv4/tcp_rmem", "4096 131072 262144");
            m.sysctl("net.ipv4.tcp_sack", "1");
            m.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(c("SOCK_STREAM") | c("SOCK_NONBLOCK")),
                new Arg.Int(0)), false);
            assertEquals(SyscallResult.error("EINPROGRESS"), m.syscall(2, call("connect", new Arg.Int(3),
                new Arg.Sockaddr(2, REMOTE, PORT), new Arg.Int(16)), false));
            Skb syn = (Skb) assertInstanceOf(Outbound.class, m.next(0)).packet();
            assertEquals(List.of(new Mss(1460), new Nop(), new Nop(), new SackPermitted(), new Nop(), new WindowScale(7)),
                syn.options(), "no timestamps: NOP padding; wscale ilog2(max(tcp_rmem[2] 256 KiB, rmem_max 4 MiB)) - 15");
        }
    }

    @Test
    void whatTheModelDoesNotCoverIsAOneLineErrorNamingIt() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            BackendException unknown = assertThrows(BackendException.class, () -> m.sysctl("net.ipv4.tcp_frto", "2"));
            assertEquals("not modelled: sysctl net.ipv4.tcp_frto (the model does not read it)", unknown.getMessage());
            BackendException readOnly = assertThrows(BackendException.class, () -> m.sysctl("net.core.rmem_max", "1000000"));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
            assertThrows(BackendException.class, () -> m.sysctl("net.ipv4.tcp_syn_retries", "0"), "out of range");
            assertTrue(m.shell("ip tcp_metrics flush all").notModeled());

            m.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(c("SOCK_STREAM")), new Arg.Int(0)), false);
            BackendException write = assertThrows(BackendException.class,
                () -> m.syscall(2, call("write", new Arg.Int(3), new Arg.Ellipsis(), new Arg.Int(10)), false));
            assertEquals("not modelled: write()", write.getMessage());
            BackendException linger = assertThrows(BackendException.class, () -> m.syscall(3, call("setsockopt",
                new Arg.Int(3), new Arg.Int(c("SOL_SOCKET")), new Arg.Int(c("SO_LINGER")),
                new Arg.Struct(Map.of("onoff", new Arg.Int(1), "linger", new Arg.Int(0))), new Arg.Int(8)), false));
            assertEquals("not modelled: setsockopt(SOL_SOCKET, SO_LINGER)", linger.getMessage());
            BackendException icmp = assertThrows(BackendException.class, () -> m.inject(new Icmp(REMOTE, LOCAL, 3, 1, 0,
                new Skb(LOCAL, REMOTE, PORT, PEER_PORT, 1, 0, Skb.SYN, 0, List.of()))));
            assertTrue(icmp.getMessage().startsWith("not modelled: ICMP"), icmp.getMessage());
            BackendException late = assertThrows(BackendException.class, () -> m.sysctl("net.ipv4.tcp_sack", "0"));
            assertTrue(late.getMessage().startsWith("not modelled: sysctl net.ipv4.tcp_sack written after the script started"),
                late.getMessage());
            for (BackendException e : List.of(unknown, readOnly, write, linger, icmp, late)) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    @Test
    void aCallThatWouldBlockOnALineWithoutEllipsisIsAnError() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            int listener = listeningSocket(m);
            BackendException e = assertThrows(BackendException.class, () -> m.syscall(9, call("accept",
                new Arg.Int(listener), new Arg.Ellipsis(), new Arg.Ellipsis()), false));
            assertTrue(e.getMessage().contains("needs a blocking (t...t_end) line"), e.getMessage());
        }
    }

    @Test
    void aSegmentTheModelCannotHandleIsReportedNotDropped() throws Exception {
        try (ModelBackend m = started(Map.of())) {
            int listener = listeningSocket(m);
            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 0, 0, Skb.SYN, 65535, List.of(new Mss(1460))));
            Skb synAck = (Skb) ((Outbound) m.next(0)).packet();
            m.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1, synAck.seq() + 1, Skb.ACK, 65535, List.of()));
            m.syscall(5, call("accept", new Arg.Int(listener), new Arg.Ellipsis(), new Arg.Ellipsis()), false);
            BackendException data = assertThrows(BackendException.class, () -> m.inject(new Skb(REMOTE, LOCAL,
                PEER_PORT, PORT, 1, synAck.seq() + 1, Skb.ACK | Skb.PSH, 65535, List.of(), 100, 0)));
            assertTrue(data.getMessage().startsWith("not modelled: data transfer"), data.getMessage());
            BackendException close = assertThrows(BackendException.class, () -> m.syscall(6, call("close", new Arg.Int(4)),
                false));
            assertTrue(close.getMessage().startsWith("not modelled: close() in ESTABLISHED"), close.getMessage());
        }
    }

    @Test
    void aSharedSimulationGivesEachRunTheSameStart() throws Exception {
        List<Integer> isns = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (ModelBackend m = started(Map.of())) {
                assertEquals(0, m.nowMicros());
                m.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(c("SOCK_STREAM") | c("SOCK_NONBLOCK")),
                    new Arg.Int(0)), false);
                m.next(250_000);
                m.syscall(2, call("connect", new Arg.Int(3), new Arg.Sockaddr(2, REMOTE, PORT), new Arg.Int(16)), false);
                Outbound syn = (Outbound) m.next(250_000);
                assertEquals(250_000, syn.timeMicros());
                isns.add(((Skb) syn.packet()).seq());
            }
        }
        assertEquals(isns.get(0), isns.get(1), "same seed, same virtual time: the same ISN and port");
    }

    // ---- helpers ----

    /** socket, SO_REUSEADDR, bind to local_ip:8080, listen(8). */
    static int listeningSocket(ModelBackend m) throws BackendException {
        int fd = (int) m.syscall(101, call("socket", new Arg.Int(c("AF_INET")), new Arg.Int(c("SOCK_STREAM")),
            new Arg.Int(c("IPPROTO_TCP"))), false).ret();
        assertEquals(SyscallResult.ok(0), m.syscall(102, call("setsockopt", new Arg.Int(fd), new Arg.Int(c("SOL_SOCKET")),
            new Arg.Int(c("SO_REUSEADDR")), new Arg.IntArray(new long[] {1}), new Arg.Int(4)), false));
        assertEquals(SyscallResult.ok(0), m.syscall(103, call("bind", new Arg.Int(fd), new Arg.Sockaddr(2, LOCAL, PORT),
            new Arg.Int(16)), false));
        assertEquals(SyscallResult.ok(0), m.syscall(104, call("listen", new Arg.Int(fd), new Arg.Int(8)), false));
        return fd;
    }

    static Syscall call(String name, Arg... args) {
        return new Syscall(name, List.of(args));
    }

    static long c(String name) {
        return LinuxConstants.VALUES.get(name);
    }
}
