package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/** Same scenario + same seed = the same trace, byte for byte; other seeds reorder, same outcome. */
class DeterminismTest {
    /** 20 clients in a burst against backlog 4: queues overflow, SYN-ACKs are retransmitted. */
    static Topology busy() {
        return Scenarios.clientServer(1_000_000, 20, 0, 4, Integer.MAX_VALUE);
    }

    static String trace(Simulation sim, Strategy strategy, long seed) {
        sim.strategy(strategy);
        StringBuilder b = new StringBuilder();
        SimRun.run(sim, busy(), seed, 30_000_000_000L, Trace.to(b, sim.clock()), (n, p) -> {});
        return b.toString();
    }

    @Test
    void sameSeedTwiceInOneReusedSystemGivesTheSameBytes() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            String a = trace(sim, Strategy.random(5), 5);
            String b = trace(sim, Strategy.random(5), 5);
            assertTrue(a.lines().count() > 500, "a trace worth comparing: " + a.lines().count() + " lines");
            assertEquals(a, b);
        }
    }

    @Test
    void slabsAndTheRequestCacheAreReproducibleToo() {
        // 150 clients: past two slabs of sockets on each host, and many requests alive at once
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            String[] t = new String[2];
            for (int i = 0; i < 2; i++) {
                sim.strategy(Strategy.random(7));
                StringBuilder b = new StringBuilder();
                SimRun.run(sim, Scenarios.clientServer(1_000_000, 150, 0, 128, Integer.MAX_VALUE), 7, 30_000_000_000L,
                    Trace.to(b, sim.clock()), (n, p) -> {});
                t[i] = b.toString();
            }
            assertTrue(t[0].contains("NewSlab()") && t[0].contains("/slab-2/sock-") && t[0].contains(" Alloc(req="),
                "the trace shows new slabs and request allocations");
            assertEquals(t[0], t[1]);
        }
    }

    @Test
    void sameSeedInAFreshJvmGivesTheSameBytes(@TempDir Path dir) throws Exception {
        Path here = dir.resolve("here.trace"), there = dir.resolve("there.trace");
        String scenario = Path.of(System.getProperty("tcpsim.home", ".")).resolve("simulations/backlog-overflow.conf").toString();
        assertEquals(0, runCli(scenario, here), "first JVM");
        assertEquals(0, runCli(scenario, there), "second JVM");
        byte[] a = Files.readAllBytes(here), b = Files.readAllBytes(there);
        assertTrue(a.length > 10_000, "trace size " + a.length);
        assertArrayEquals(a, b);
    }

    /** tcpsim run in a new JVM, with the random strategy so that scheduling choices are exercised. */
    static int runCli(String scenario, Path trace) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "tcpsim.cli.Main",
            "run", scenario, "--seed", "9", "--strategy", "random", "--trace", trace.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void otherSeedsInterleaveDifferentlyWithTheSameOutcome() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            Set<String> traces = new HashSet<>();
            List<String> outcomes = new ArrayList<>();
            for (long seed = 1; seed <= 4; seed++) {
                sim.strategy(Strategy.random(seed));
                StringBuilder b = new StringBuilder();
                // fixed model seed (same ISNs and ports), only the schedule changes
                SimRun.Result r = SimRun.run(sim, Scenarios.clientServer(1_000_000, 5, 0, 128, 5), 1, 10_000_000_000L,
                    Trace.to(b, sim.clock()), (n, p) -> {});
                traces.add(b.toString());
                outcomes.add(r.stats().counts() + " " + r.hosts().get("server").net.mib.nonZero() + " "
                    + r.hosts().get("client").net.mib.nonZero());
            }
            assertEquals(4, traces.size(), "each seed orders the deliveries its own way");
            assertEquals(1, new HashSet<>(outcomes).size(), "and every order ends the same: " + outcomes);
            assertTrue(outcomes.get(0).contains("connected=5") && outcomes.get(0).contains("accepted=5"), outcomes.get(0));
        }
    }

    @Test
    void theScenarioSeedDrawsTheIsnsPortsAndTimestampOffsets() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            java.util.function.LongFunction<List<tcpsim.net.Skb>> syns = seed -> {
                List<tcpsim.net.Skb> out = new ArrayList<>();
                SimRun.run(sim, Scenarios.clientServer(1_000_000, 3, 0, 128, 3), seed, 10_000_000_000L, Trace.OFF,
                    (n, p) -> { if (((tcpsim.net.Skb) p).syn()) out.add((tcpsim.net.Skb) p); });
                return out;
            };
            List<tcpsim.net.Skb> a = syns.apply(1), b = syns.apply(1), c = syns.apply(2);
            assertEquals(a, b, "same seed: same ISNs, source ports and TSvals");
            for (int i = 0; i < a.size(); i++) {
                assertNotEquals(a.get(i).seq(), c.get(i).seq(), "another seed: other ISNs (secure_tcp_seq's secret)");
            }
            assertNotEquals(a.stream().map(tcpsim.net.Skb::sport).toList(), c.stream().map(tcpsim.net.Skb::sport).toList(),
                "and other ephemeral ports (port_offset's secret, table_perturb)");
        }
    }
}
