package tcpsim.bench.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.packetdrill.kernel.NetnsGuard;

/** The kernel reference's three loops, its namespace and its doubts; counts checked, never speed. */
class KernelReferenceTest {

    // Windows of 1.5 s: on the host's 4,096-entry accept queue a dropped SYN stalls a client for the 1 s retransmit.

    @Test
    void cLoopCompilesAndCompletesHandshakesWithoutErrors(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("gcc"), "no gcc on PATH: the C reference is skipped where there is no compiler");

        Path binary = KernelReference.buildC(dir);
        HandshakeRate r = RateWorker.runC(binary, 2, "0.1", "1.5");

        assertEquals(0, r.errors(), () -> "errors, first: " + r.firstError());
        assertTrue(r.accepts() > 0 && r.connects() > 0, "no handshake completed: " + r);
    }

    @Test
    void jnaLoopCompletesHandshakesAndClosesEverySocket() throws Exception {
        JnaHandshakeLoop.measureRate(1, Duration.ofMillis(10), Duration.ZERO); // JNA's own lasting descriptors
        int before = Libc.openSocketsAndPipes();

        HandshakeRate r = JnaHandshakeLoop.measureRate(2, Duration.ofMillis(1_500), Duration.ofMillis(100));

        assertEquals(0, r.errors(), () -> "errors, first: " + r.firstError());
        assertTrue(r.accepts() > 0 && r.connects() > 0, "no handshake completed: " + r);
        int after = Libc.openSocketsAndPipes();
        assertTrue(after <= before, "sockets left open: " + before + " sockets and pipes before, " + after + " after");
    }

    @Test
    void privateNamespaceIsGoneAfterCloseAndTheHostSysctlsAreUntouched() throws Exception {
        assumeTrue(Libc.geteuid() == 0 && onPath("unshare") && onPath("ip"),
            "needs root, unshare and ip to make a network namespace");
        Path hostRange = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        Path hostSomaxconn = Path.of("/proc/sys/net/core/somaxconn");
        String hostBefore = Files.readString(hostRange);
        String somaxconnBefore = Files.readString(hostSomaxconn);
        long hostNetns = NetnsGuard.netnsInode(Path.of("/proc/self/ns/net")).orElseThrow();
        long netns;

        try (KernelReference ref = KernelReference.start()) {
            netns = ref.netns();
            assertEquals(Optional.empty(), ref.hostWarning());
            assertNotEquals(hostNetns, netns);
            assertFalse(KernelReference.processesIn(netns).isEmpty(), "no process in the worker's namespace");
            HandshakeRate r = ref.run(ReferenceMethod.JNA, 2, 0.1, 1.2);
            assertEquals(0, r.errors(), () -> "errors in the namespace, first: " + r.firstError());
            assertTrue(r.accepts() > 0, "no handshake in the namespace (is lo up?)");
        }

        assertEquals(List.of(), KernelReference.processesIn(netns), "processes still in net:[" + netns + "]");
        assertEquals(hostBefore, Files.readString(hostRange), "the host's ip_local_port_range changed");
        assertEquals(somaxconnBefore, Files.readString(hostSomaxconn), "the host's somaxconn changed");
    }

    @Test
    void runsMoreThanThirtyPercentApartDisagreeAndAreDoubted() {
        List<HandshakeRate> wide = List.of(rate(100_000), rate(135_000), rate(110_000));
        List<HandshakeRate> close = List.of(rate(100_000), rate(125_000), rate(110_000));

        assertTrue(MethodRuns.disagree(wide), "35 % apart");
        assertFalse(MethodRuns.disagree(close), "25 % apart");
        MethodRuns m = new MethodRuns(ReferenceMethod.C, wide, 0);
        assertEquals(110_000, m.perSecond(), 1);
        assertTrue(m.doubts(m.perSecond()).stream().anyMatch(d -> d.contains("35% apart")), () -> "doubts: " + m.doubts(1));
        assertEquals(List.of(), new MethodRuns(ReferenceMethod.C, close, 0).doubts(110_000));
    }

    @Test
    void aMethodFarBelowTheFastestIsDoubted() {
        MethodRuns java = new MethodRuns(ReferenceMethod.JAVA, List.of(rate(20_000), rate(21_000), rate(22_000)), 0);

        assertEquals(List.of("30% of the fastest method"), java.doubts(70_000));
    }

    @Test
    void rateLineRoundTripsAndTheCLoopLineParses() {
        HandshakeRate r = new HandshakeRate(2, 1, Duration.ofNanos(3_000_000_123L), 10, 9, 1,
            Optional.of("connect: Connection refused"), 0, 0.25, 1.5);
        assertEquals(r, RateWorker.parse(RateWorker.line(r)));

        var f = RateWorker.fields("connects=5 accepts=4 errors=0 window_ns=7 other_cpu=0.1000 cpu_ns=9 first_error=accept: Bad file descriptor");
        assertEquals("accept: Bad file descriptor", f.get("first_error"));
        assertEquals("4", f.get("accepts"));
    }

    private static HandshakeRate rate(double perSecond) {
        return new HandshakeRate(2, 1, Duration.ofSeconds(1), (long) perSecond, (long) perSecond, 0, Optional.empty(), 0, 0, 0.5);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
