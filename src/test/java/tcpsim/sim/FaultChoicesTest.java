package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpsim.link.WireTap;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Schedule;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.scenario.ExploreSpec;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;

/** Link faults and timer jitter are choices: recorded with the schedule, replayed byte for byte, within budget. */
class FaultChoicesTest {
    static final long MS = 1_000_000L;
    static final Scenario S = ScenarioLoader.load(Path.of("simulations/races/duplicate-final-ack.conf"));
    static final Topology TOPO = ScenarioTopology.from(S).withExplore(new ExploreSpec(2 * MS, 1, 1, 2 * MS, List.of()));

    record Run(String trace, Schedule schedule) {}

    static Run run(Simulation sim, tcpsim.runtime.Chooser chooser, Topology topo) {
        ExploringStrategy s = new ExploringStrategy(chooser, "explore");
        sim.strategy(s);
        StringBuilder b = new StringBuilder();
        SimRun.run(sim, topo, S.seed(), S.untilNanos(), Trace.to(b, sim.clock()), WireTap.NONE);
        return new Run(b.toString(), s.schedule());
    }

    static long count(String trace, String what) {
        return trace.lines().filter(l -> l.contains(" fault " + what)).count();
    }

    @Test
    void aDroppedAndADuplicatedSegmentAreChoicesThatReplayToTheSameBytes() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            Run dropped = null, duplicated = null;
            for (long seed = 1; seed <= 200 && (dropped == null || duplicated == null); seed++) {
                Run r = run(sim, Choosers.random(seed), TOPO);
                if (dropped == null && count(r.trace(), "drop") > 0) dropped = r;
                if (duplicated == null && count(r.trace(), "duplicate") > 0) duplicated = r;
            }
            assertNotNull(dropped, "some seed drops a segment");
            assertNotNull(duplicated, "some seed duplicates a segment");
            for (Run r : List.of(dropped, duplicated)) {
                Choosers.Replay replay = Choosers.replay(Schedule.decode(r.schedule().encode()));
                Run again = run(sim, replay, TOPO);
                assertFalse(replay.diverged(), "diverged at choice " + replay.divergedAt());
                assertEquals(r.schedule().size(), replay.used());
                assertEquals(r.trace(), again.trace());
            }
        }
    }

    @Test
    void aRunNeverSpendsMoreThanItsBudget() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            long drops = 0, dups = 0, delays = 0;
            for (long seed = 1; seed <= 100; seed++) {
                Run r = run(sim, Choosers.pct(seed, 3, 100), TOPO);
                assertTrue(count(r.trace(), "drop") <= 1, "seed " + seed + " drops more than 1");
                assertTrue(count(r.trace(), "duplicate") <= 1, "seed " + seed + " duplicates more than 1");
                drops += count(r.trace(), "drop");
                dups += count(r.trace(), "duplicate");
                delays += count(r.trace(), "delay");
            }
            assertTrue(drops > 0 && dups > 0 && delays > 0, drops + " drops, " + dups + " duplicates, " + delays + " delays");
        }
    }

    @Test
    void withoutAnExplorerOrWithoutBoundsTheModelOffersNoChoices() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            StringBuilder bounded = new StringBuilder(), plain = new StringBuilder();
            SimRun.run(sim, TOPO, S.seed(), S.untilNanos(), Trace.to(bounded, sim.clock()), WireTap.NONE);
            SimRun.run(sim, TOPO.withExplore(ExploreSpec.NONE), S.seed(), S.untilNanos(), Trace.to(plain, sim.clock()), WireTap.NONE);
            assertEquals(plain.toString(), bounded.toString(), "a fifo run ignores the explore bounds");

            Run unbounded = run(sim, owners -> 0, TOPO.withExplore(ExploreSpec.NONE));
            assertEquals(plain.toString(), unbounded.trace(), "no bounds: the explorer's oldest-first run is the fifo run");
            Run faithfulChoices = run(sim, owners -> 0, TOPO);
            assertEquals(0, count(faithfulChoices.trace(), "drop") + count(faithfulChoices.trace(), "duplicate"),
                "a chooser that never perturbs faults nothing");
        }
    }
}
