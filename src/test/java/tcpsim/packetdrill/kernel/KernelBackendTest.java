package tcpsim.packetdrill.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
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

/** The live kernel through the Backend API alone, as the script runner will drive it. */
class KernelBackendTest {
    static final int LOCAL = Skb.ip("192.168.0.1"), REMOTE = Skb.ip("192.0.2.1"), PORT = 8080, PEER_PORT = 40000;
    /** defaults.sh's buffers: window scale ilog2(15 MiB) - 15 = 8. */
    static final Map<String, String> DEFAULTS_RMEM = Map.of("net.ipv4.tcp_rmem", "4096 540000 15728640");
    static final long SECOND = 1_000_000;

    @BeforeAll
    static void needsRootAndTun() {
        boolean root = Libc.C.geteuid() == 0, tun = Files.exists(Path.of("/dev/net/tun"));
        assumeTrue(root && tun, "the kernel backend needs root and /dev/net/tun (root=" + root + ", tun=" + tun + ")");
        assumeTrue(onPath("unshare") && onPath("ip"),
            "the kernel backend needs unshare (util-linux) and ip (iproute2)");
    }

    static KernelBackend started(Map<String, String> sysctls) throws BackendException {
        KernelBackend k = new KernelBackend();
        k.start(new Config(LOCAL, REMOTE, LOCAL, 16, PORT, 1500, sysctls));
        return k;
    }

    @Test
    void passiveOpenAnswersSynWithSynAckAndAcceptReturnsAnEstablishedSocket() throws Exception {
        try (KernelBackend k = started(DEFAULTS_RMEM)) {
            int listener = listeningSocket(k);
            k.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1000, 0, Skb.SYN, 32792,
                List.of(new Mss(1000), new SackPermitted(), new Timestamp(100, 0), new Nop(), new WindowScale(7))));
            Skb synAck = nextSegment(k);
            assertEquals(List.of(LOCAL, REMOTE, PORT, PEER_PORT), List.of(synAck.saddr(), synAck.daddr(),
                synAck.sport(), synAck.dport()));
            assertEquals("S.", Skb.flagString(synAck.flags()));
            assertEquals(1001, synAck.ackSeq(), "ack = peer ISN + 1");
            Timestamp ts = synAck.option(Timestamp.class);
            assertNotNull(ts, "TS echoed because the peer offered it");
            assertEquals(List.of(new Mss(1460), new SackPermitted(), new Timestamp(ts.val(), 100), new Nop(),
                new WindowScale(8)), synAck.options(), "tcp_options_write layout for a SYN-ACK to sackOK+TS+wscale");

            k.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1001, synAck.seq() + 1, Skb.ACK, 257,
                List.of(new Nop(), new Nop(), new Timestamp(101, ts.val()))));
            SyscallResult accepted = k.syscall(10, call("accept", fd(listener), new Arg.Ellipsis(), new Arg.Ellipsis()), false);
            assertNull(accepted.errno());
            int child = (int) accepted.ret();
            assertNotEquals(listener, child);

            Map<String, Long> info = k.tcpInfo(child);
            assertEquals(1L, info.get("tcpi_state"), "TCP_ESTABLISHED");
            assertEquals(7L, info.get("tcpi_options"), "TCPI_OPT_TIMESTAMPS|SACK|WSCALE");
            assertEquals(7L, info.get("tcpi_snd_wscale"), "the peer's shift");
            assertEquals(8L, info.get("tcpi_rcv_wscale"), "ours");
            assertEquals(988L, info.get("tcpi_snd_mss"), "peer MSS 1000 less 12 bytes of timestamps");
        }
    }

    @Test
    void nonBlockingConnectReturnsEinprogressAndSendsTheLinuxSynLayout() throws Exception {
        try (KernelBackend k = started(DEFAULTS_RMEM)) {
            long sockNonblock = c("SOCK_STREAM") | c("SOCK_NONBLOCK");
            int fd = (int) ok(k.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(sockNonblock),
                num("IPPROTO_TCP")), false));
            SyscallResult r = k.syscall(2, call("connect", fd(fd), new Arg.Sockaddr(2, REMOTE, PORT),
                new Arg.Int(16)), false);
            assertEquals(new SyscallResult(-1, "EINPROGRESS", Map.of()), r);
            Skb syn = nextSegment(k);
            assertEquals("S", Skb.flagString(syn.flags()));
            assertEquals(List.of(LOCAL, REMOTE, PORT), List.of(syn.saddr(), syn.daddr(), syn.dport()));
            Timestamp ts = syn.option(Timestamp.class);
            assertNotNull(ts);
            assertEquals(List.of(new Mss(1460), new SackPermitted(), new Timestamp(ts.val(), 0), new Nop(),
                new WindowScale(8)), syn.options(), "<mss 1460,sackOK,TS val X ecr 0,nop,wscale 8>");
            assertEquals(2L, k.tcpInfo(fd).get("tcpi_state"), "TCP_SYN_SENT");
        }
    }

    @Test
    void blockingAcceptCompletesAsCallDoneOnceTheHandshakeIsInjected() throws Exception {
        try (KernelBackend k = started(DEFAULTS_RMEM)) {
            int listener = listeningSocket(k);
            assertNull(k.syscall(7, call("accept", fd(listener), new Arg.Ellipsis(), new Arg.Ellipsis()), true),
                "a blocking call answers later");
            assertNull(k.next(k.nowMicros() + 20_000), "accept must not return before a connection exists");

            k.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 0, 0, Skb.SYN, 65535,
                List.of(new Mss(1460), new Nop(), new Nop(), new SackPermitted())));
            Skb synAck = nextSegment(k);
            assertEquals(List.of(new Mss(1460), new Nop(), new Nop(), new SackPermitted()), synAck.options(),
                "only what the peer offered: no TS, no wscale");
            long ackSent = k.nowMicros();
            k.inject(new Skb(REMOTE, LOCAL, PEER_PORT, PORT, 1, synAck.seq() + 1, Skb.ACK, 65535, List.of()));
            CallDone done = assertInstanceOf(CallDone.class, k.next(k.nowMicros() + SECOND));
            assertEquals(7, done.callId());
            assertNull(done.result().errno());
            assertTrue(done.result().ret() >= 0 && done.result().ret() != listener, "a new fd");
            assertTrue(done.timeMicros() >= ackSent, "returned after the ACK went in");
        }
    }

    @Test
    void pollTakesThePollfdArrayAndReportsEachEntrysRevents() throws Exception {
        try (KernelBackend k = started(DEFAULTS_RMEM)) {
            long sockNonblock = c("SOCK_STREAM") | c("SOCK_NONBLOCK");
            int connecting = (int) ok(k.syscall(1, call("socket", new Arg.Ellipsis(), new Arg.Int(sockNonblock),
                num("IPPROTO_TCP")), false));
            int idle = (int) ok(k.syscall(2, call("socket", new Arg.Ellipsis(), new Arg.Int(sockNonblock),
                num("IPPROTO_TCP")), false));
            assertEquals("EINPROGRESS", k.syscall(3, call("connect", fd(connecting), new Arg.Sockaddr(2, REMOTE, PORT),
                new Arg.Int(16)), false).errno());
            Skb syn = nextSegment(k);
            Arg fds = new Arg.ArrayOf(List.of(pollfd(connecting, c("POLLOUT")), pollfd(idle, c("POLLIN"))));
            SyscallResult before = k.syscall(4, call("poll", fds, new Arg.Int(2), new Arg.Int(0)), false);
            assertEquals(1, before.ret(), "an unconnected socket polls POLLHUP; the connecting one nothing yet");
            assertEquals(0L, before.out().get("revents[0]"));
            assertEquals(c("POLLHUP"), before.out().get("revents[1]"),
                "tcp_poll: a socket in CLOSE is hung up, which poll() reports whatever was asked for");

            k.inject(new Skb(REMOTE, LOCAL, PORT, syn.sport(), 5000, syn.seq() + 1, Skb.SYN | Skb.ACK, 65535,
                List.of(new Mss(1460))));
            nextSegment(k); // our ACK
            SyscallResult after = k.syscall(5, call("poll", fds, new Arg.Int(2), new Arg.Int(0)), false);
            assertEquals(2, after.ret());
            assertEquals(c("POLLOUT"), after.out().get("revents[0]"), "established: writable");
            assertEquals(after.out().get("revents[0]"), after.out().get("revents"), "the first entry also as revents");
        }
    }

    static Arg pollfd(int fd, long events) {
        Map<String, Arg> f = new LinkedHashMap<>();
        f.put("fd", new Arg.Int(fd));
        f.put("events", new Arg.Int(events));
        f.put("revents", new Arg.Int(0));
        return new Arg.Struct(f);
    }

    @Test
    void theHostNamespaceIsUntouchedBySysctlsTunAndRoutes() throws Exception {
        Map<String, String> before = hostState();
        Map<String, String> sysctls = new LinkedHashMap<>();
        sysctls.put("net.ipv4.tcp_timestamps", before.get("tcp_timestamps").equals("0") ? "1" : "0");
        sysctls.put("net.ipv4.tcp_syncookies", before.get("tcp_syncookies").equals("2") ? "1" : "2");
        sysctls.put("net.ipv4.tcp_fastopen", before.get("tcp_fastopen").equals("3") ? "1" : "3");
        sysctls.put("net.core.somaxconn", before.get("somaxconn").equals("1234") ? "4321" : "1234");
        sysctls.put("net.ipv4.tcp_congestion_control", "cubic");
        try (KernelBackend k = started(sysctls)) {
            k.sysctl("net.ipv4.tcp_rmem", "4096 540000 15728640");
            String inside = k.shell("cat /proc/sys/net/ipv4/tcp_timestamps /proc/sys/net/ipv4/tcp_syncookies "
                + "/proc/sys/net/ipv4/tcp_fastopen /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/tcp_rmem; "
                + "ip -o link show dev tun0; ip route").output();
            List<String> lines = inside.lines().toList();
            assertEquals(List.of(sysctls.get("net.ipv4.tcp_timestamps"), sysctls.get("net.ipv4.tcp_syncookies"),
                sysctls.get("net.ipv4.tcp_fastopen"), sysctls.get("net.core.somaxconn")), lines.subList(0, 4),
                "the namespace did get the values");
            assertEquals("4096 540000 15728640", lines.get(4).replaceAll("\\s+", " "));
            assertTrue(lines.get(5).contains("tun0") && lines.get(5).contains("UP"), lines.get(5));
            assertTrue(inside.contains("192.0.2.0/24 via 192.168.0.1 dev tun0") && inside.contains("congctl cubic"),
                "cubic, refused as a netns sysctl, is set on the route instead: " + inside);
            assertEquals(before, hostState(), "the host while the backend runs");
        }
        assertEquals(before, hostState(), "the host after close");
    }

    @Test
    void theAgentRefusesToConfigureTheNamespaceItWasLaunchedFrom() {
        long here = NetnsGuard.netnsInode(Path.of("/proc/self/ns/net")).orElseThrow();
        BackendException e = assertThrows(BackendException.class, () -> NetnsGuard.requireIsolated(here));
        assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        // Even when told nothing true about its launcher, it sees its parent's namespace or the host's interfaces.
        assertThrows(BackendException.class, () -> NetnsGuard.requireIsolated(-1));
    }

    @Test
    void aSysctlThatCannotBeSetFailsWithOneLine() throws Exception {
        try (KernelBackend k = started(Map.of())) {
            BackendException e = assertThrows(BackendException.class, () -> k.sysctl("net.core.rmem_max", "1"));
            assertTrue(e.getMessage().startsWith("sysctl net.core.rmem_max=1 cannot be set"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertThrows(BackendException.class, () -> k.sysctl("net.ipv4.no_such_knob", "1"));
            assertThrows(BackendException.class, () -> k.sysctl("../../etc/passwd", "x"));
        }
    }

    // ---- helpers ----

    /** socket, SO_REUSEADDR, bind to local_ip:8080, listen: what nearly every script starts with. */
    static int listeningSocket(KernelBackend k) throws BackendException {
        int fd = (int) ok(k.syscall(1, call("socket", num("AF_INET"), num("SOCK_STREAM"), num("IPPROTO_TCP")), false));
        ok(k.syscall(2, call("setsockopt", fd(fd), num("SOL_SOCKET"), num("SO_REUSEADDR"),
            new Arg.IntArray(new long[] {1}), new Arg.Int(4)), false));
        ok(k.syscall(3, call("bind", fd(fd), new Arg.Sockaddr(2, LOCAL, PORT), new Arg.Ellipsis()), false));
        ok(k.syscall(4, call("listen", fd(fd), new Arg.Int(1)), false));
        return fd;
    }

    static Skb nextSegment(KernelBackend k) throws BackendException {
        Observed o = k.next(k.nowMicros() + SECOND);
        assertNotNull(o, "nothing from the kernel within 1 s");
        return assertInstanceOf(Skb.class, assertInstanceOf(Outbound.class, o).packet());
    }

    static long ok(SyscallResult r) {
        assertNull(r.errno(), "errno");
        return r.ret();
    }

    static Syscall call(String name, Arg... args) {
        return new Syscall(name, List.of(args));
    }

    static long c(String name) {
        return LinuxConstants.VALUES.get(name);
    }

    static Arg num(String name) {
        return new Arg.Int(c(name));
    }

    static Arg fd(int fd) {
        return new Arg.Int(fd);
    }

    /** What the host's namespace looks like to this process. */
    static Map<String, String> hostState() throws IOException, InterruptedException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("links", run("ip", "-o", "link"));
        s.put("addrs", run("ip", "-o", "addr"));
        s.put("routes", run("ip", "route"));
        for (String k : List.of("ipv4/tcp_timestamps", "ipv4/tcp_syncookies", "ipv4/tcp_fastopen", "core/somaxconn",
            "ipv4/tcp_congestion_control", "ipv4/tcp_rmem")) {
            s.put(k.substring(k.indexOf('/') + 1), Files.readString(Path.of("/proc/sys/net", k)).strip());
        }
        return s;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
