package tcpsim.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.host.NetNs;
import tcpsim.net.Skb;
import tcpsim.runtime.Schedule;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.ScenarioTopology;

/** The explorer finds a reachable violation, minimises it, replays it; shards, threads and resume cover the same schedules. */
class ExplorerTest {
    static final Path TWO = Path.of("src/test/resources/explore/two-clients.conf");
    static final int A = Skb.ip("10.0.0.2"), B = Skb.ip("10.0.0.3");

    /** A deliberately false property: the server never holds b's connection (request or socket) without a's. */
    static final Invariant A_FIRST = Invariant.of("a-first", "the server sees a's SYN before b's", Invariant.Kind.SAFETY, run -> {
        NetNs s = run.hosts().get("server");
        boolean a = false, b = false;
        for (var e : s.ehash.keySet()) {
            a |= e.raddr() == A;
            b |= e.raddr() == B;
        }
        return b && !a ? "b's connection reached the server's ehash before a's" : null;
    });

    @Test
    void findsAReachableViolationAndMinimisesItToWithinOneAndAHalfOfTheShortest(@TempDir Path dir) throws Exception {
        Scenario s = ScenarioLoader.load(TWO);
        Explorer.Result r = Explorer.builder(s).invariants(List.of(A_FIRST)).schedules(500).outDir(dir).run();
        assertEquals(1, r.violations().size(), "random finds it; it stops at the first");
        Explorer.Found f = r.violations().get(0);
        assertEquals("a-first", f.invariant());
        assertTrue(Files.exists(f.replayFile()));
        assertTrue(f.deviations() < f.originalDeviations(), f.deviations() + " of " + f.originalDeviations());

        // the shortest failing schedule, by brute force over one and then two deviations from fifo
        int shortest;
        try (ScheduleRunner runner = new ScheduleRunner(ScenarioTopology.from(s), s.seed(), s.untilNanos(), List.of(A_FIRST))) {
            assertNull(runner.run(owners -> 0).violation(), "fifo keeps a first");
            Schedule fifo = runner.run(owners -> 0).schedule();
            shortest = shortest(runner, fifo);
            // and the saved file replays to the same violation
            ReplayFile rf = ReplayFile.read(f.replayFile());
            Replayer.Outcome o = Replayer.replay(rf, List.of(A_FIRST), tcpsim.link.WireTap.NONE);
            assertTrue(o.reproduced());
            assertNull(o.changed(), o.changed());
        }
        assertTrue(shortest > 0);
        assertTrue(f.deviations() <= 1.5 * shortest, "minimised to " + f.deviations() + ", shortest " + shortest);
    }

    static int shortest(ScheduleRunner runner, Schedule fifo) {
        for (int i = 0; i < fifo.size(); i++) {
            for (int p = 1; p < fifo.options(i); p++) {
                if (runner.run(Minimiser.applying(List.of(new Minimiser.Deviation(i, p)))).violation() != null) return 1;
            }
        }
        return 2; // none of one deviation: at least two
    }

    @Test
    void sameSeedSameSchedulesOnAnyNumberOfThreads(@TempDir Path dir) {
        Scenario s = ScenarioLoader.load(TWO);
        Explorer.Result one = Explorer.builder(s).strategy(StrategySpec.pct(2)).schedules(60).outDir(dir).run();
        Explorer.Result two = Explorer.builder(s).strategy(StrategySpec.pct(2)).schedules(60).threads(2).outDir(dir).run();
        assertTrue(one.ok(), one.violations().toString());
        assertEquals(60, one.schedules());
        assertArrayEquals(one.scheduleHashes(), two.scheduleHashes());
        assertEquals(one.checks(), two.checks());
        assertTrue(one.distinct() > 30, "pct over 60 seeds: " + one.distinct());
    }

    @Test
    void shardsTogetherCoverExactlyTheFullRun(@TempDir Path dir) {
        Scenario s = ScenarioLoader.load(TWO);
        Explorer.Result full = Explorer.builder(s).strategy(StrategySpec.delayBounded(2)).schedules(45).outDir(dir).run();
        long schedules = 0;
        Set<Long> hashes = new HashSet<>(), ends = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Explorer.Result r = Explorer.builder(s).strategy(StrategySpec.delayBounded(2)).schedules(45).shard(i, 3).outDir(dir).run();
            assertEquals(15, r.schedules());
            schedules += r.schedules();
            Arrays.stream(r.scheduleHashes()).forEach(hashes::add);
            Arrays.stream(r.endStateHashes()).forEach(ends::add);
        }
        assertEquals(full.schedules(), schedules);
        assertEquals(full.distinct(), hashes.size());
        assertEquals(full.endStates(), ends.size());
    }

    @Test
    void aKilledRunResumesWhereItStoppedAndEndsWithTheFullRunsFigures(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        int n = 4000;
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), "tcpsim.cli.Main", "explore", TWO.toString(),
            "--schedules", String.valueOf(n), "--resume", state.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        Path stateFile = state.resolve("state.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(stateFile) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
        assertTrue(p.isAlive(), "the run must still be going when it is killed: " + Files.readString(dir.resolve("log")));
        p.destroyForcibly().waitFor(); // kill -9: no shutdown hook runs
        String saved = Files.readString(stateFile);
        assertTrue(saved.contains("\"schedules_run\""), saved);

        Scenario s = ScenarioLoader.load(TWO);
        Explorer.Result resumed = Explorer.builder(s).schedules(n).stateDir(state).run();
        Explorer.Result full = Explorer.builder(s).schedules(n).outDir(dir).run();
        assertTrue(resumed.ok());
        assertEquals(full.distinct(), resumed.distinct(), "every schedule ran once: none lost, none twice");
        assertArrayEquals(full.scheduleHashes(), resumed.scheduleHashes());
    }
}
