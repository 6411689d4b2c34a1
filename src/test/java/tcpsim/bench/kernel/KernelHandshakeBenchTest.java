package tcpsim.bench.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Runs the kernel benchmark briefly for real; checks what it counted, never how fast. */
class KernelHandshakeBenchTest {

    @Test
    void rateRunCompletesLoopbackHandshakesWithoutErrorsAndClosesEverySocket() throws Exception {
        int fdsBefore = fdsAfterWarmUp();

        HandshakeRate r = KernelHandshakeBench.measureRate(2, 1, Duration.ofMillis(300), Duration.ofMillis(100));

        assertEquals(0, r.errors(), () -> "errors, first: " + r.firstError());
        assertEquals(Optional.empty(), r.firstError());
        assertTrue(r.accepts() > 0, "no accept completed in the measured window");
        assertTrue(r.connects() > 0, "no connect completed in the measured window");
        assertTrue(r.perSecond() > 0 && Double.isFinite(r.perSecond()));
        assertNoNewFds(fdsBefore, "the listener or some socket is still open");
    }

    @Test
    void slabFigureCountsTwoTcpSocketsPerConnectionAndClosesThemAll() throws Exception {
        int fdsBefore = fdsAfterWarmUp();

        SlabPerConnection s = KernelHandshakeBench.measureSlabPerConnection(2_000);

        assertEquals(1, s.processes(), "2,000 connections fit this process's fd limit");
        assertPlausible(s);
        assertNoNewFds(fdsBefore, "some socket or listener is still open");
    }

    @Test
    void workerProcessesHoldTheirShareAndAreGoneAfterwards() throws Exception {
        long childrenBefore = ProcessHandle.current().children().count();
        int fdsBefore = fdsAfterWarmUp();

        SlabPerConnection s = KernelHandshakeBench.measureSlabInWorkers(600, 200);

        assertEquals(3, s.processes());
        assertPlausible(s);
        assertEquals(childrenBefore, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
            "a worker JVM outlived the measurement");
        assertNoNewFds(fdsBefore, "a pipe to a worker is still open");
    }

    /**
     * No socket or pipe opened by the measurement is left (files are not counted: the JVM opens and
     * closes them at any time, e.g. a jar for a class a previous test made it load). Fewer than before is fine: the JDK may close one of its
     * own meanwhile (a finished process's pipe from an earlier test, collected late).
     */
    private static void assertNoNewFds(int before, String what) {
        int now = Libc.openSocketsAndPipes();
        assertTrue(now <= before, what + ": " + before + " sockets and pipes before, " + now + " after");
    }

    /**
     * Open fds once the JDK and JNA hold their lasting ones (NIO keeps a socketpair end for
     * asynchronous close, opened on first file or socket use), so a later count compares sockets.
     */
    private static int fdsAfterWarmUp() throws Exception {
        try (ConnectionHolder one = new ConnectionHolder(1)) {
            one.open();
        }
        SlabSnapshot.read();
        return Libc.openSocketsAndPipes();
    }

    private static void assertPlausible(SlabPerConnection s) {
        assertTrue(s.slabBytesPerConnection() > 0 && Double.isFinite(s.slabBytesPerConnection()),
            "Slab: grew by " + s.slabDeltaBytes() + " bytes");
        if (Files.isReadable(Path.of("/proc/slabinfo"))) {
            // A connecting tcp_sock plus the accepted child (net/ipv4/tcp_minisocks.c:
            // tcp_create_openreq_child); the request_sock is freed by accept(). Other processes
            // may open or close a few sockets meanwhile, hence the range.
            SlabPerConnection.CacheDelta tcp = s.caches().stream().filter(c -> c.name().equals("TCP"))
                .findFirst().orElseThrow(() -> new AssertionError("no TCP cache change in " + names(s)));
            assertTrue(tcp.objectsPerConnection() > 1.5 && tcp.objectsPerConnection() < 2.5,
                "TCP objects per connection: " + tcp.objectsPerConnection());
        }
    }

    private static List<String> names(SlabPerConnection s) {
        return s.caches().stream().map(SlabPerConnection.CacheDelta::name).toList();
    }

    @Test
    void procFdListingIsTakenOutAsOneProcInodeAndOneDentryPerFd() {
        SlabPerConnection s = new SlabPerConnection(100, 1, 1_000_000, 0, 0, 0, List.of(
            new SlabPerConnection.CacheDelta("TCP", 2368, 200, 500_000, 100, List.of()),
            new SlabPerConnection.CacheDelta("proc_inode_cache", 696, 50, 40_000, 100, List.of()),
            new SlabPerConnection.CacheDelta("dentry", 192, 250, 60_000, 100, List.of())));

        assertEquals(10_000, s.slabBytesPerConnection());
        assertEquals((1_000_000 - 40_000 - 50 * 192) / 100.0, s.slabBytesPerConnectionExcludingProcFd());
    }

    @Test
    void slabinfoLineGivesObjectsAndSlabPages() {
        var caches = SlabSnapshot.parseSlabinfo(List.of(
            "slabinfo - version: 2.1",
            "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables"
                + " <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
            "TCP                   26     26   2368   13    8 : tunables    0    0    0 : slabdata      2      2      0"));

        SlabSnapshot.Cache tcp = caches.get("TCP");
        assertEquals(26, tcp.activeObjs());
        assertEquals(2368, tcp.objSize());
        assertEquals(16, tcp.slabPages(), "2 slabs of 8 pages");
    }
}
