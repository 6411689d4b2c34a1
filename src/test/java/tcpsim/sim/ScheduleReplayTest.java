package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Schedule;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/** A schedule is its choices: recorded by any chooser, replayed to the same trace, byte for byte. */
class ScheduleReplayTest {
    static final long UNTIL = 30_000_000_000L;

    record Run(String trace, Schedule schedule) {}

    static Run run(Simulation sim, Chooser chooser, String name) {
        ExploringStrategy s = new ExploringStrategy(chooser, name);
        sim.strategy(s);
        StringBuilder b = new StringBuilder();
        SimRun.run(sim, DeterminismTest.busy(), 3, UNTIL, Trace.to(b, sim.clock()), (n, p) -> {});
        return new Run(b.toString(), s.schedule());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"random", "pct", "delay-bounded"})
    void everyChoosersScheduleReplaysToTheSameBytes(String strategy) {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            Supplier<Chooser> chooser = switch (strategy) {
                case "random" -> () -> Choosers.random(11);
                case "pct" -> () -> Choosers.pct(11, 3, 2_000);
                default -> () -> Choosers.delayBounded(11, 3, 2_000);
            };
            Run first = run(sim, chooser.get(), strategy);
            assertTrue(first.schedule().size() > 100, "a schedule worth replaying: " + first.schedule().size());
            Schedule decoded = Schedule.decode(first.schedule().encode());
            Choosers.Replay replay = Choosers.replay(decoded);
            Run again = run(sim, replay, "replay");
            assertFalse(replay.diverged(), "diverged at choice " + replay.divergedAt());
            assertEquals(first.schedule().size(), replay.used());
            assertEquals(first.trace(), again.trace());
            assertEquals(first.schedule().hash(), again.schedule().hash());
        }
    }

    @Test
    void differentSeedsGiveDifferentInterleavingsAndAFifoChooserIsTheFifoStrategy() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            Set<Long> hashes = new HashSet<>();
            for (long seed = 1; seed <= 5; seed++) hashes.add(run(sim, Choosers.random(seed), "random").schedule().hash());
            assertEquals(5, hashes.size(), "five seeds, five interleavings");

            String viaChooser = run(sim, owners -> 0, "first ready").trace();
            sim.strategy(Strategy.fifo());
            StringBuilder b = new StringBuilder();
            SimRun.run(sim, DeterminismTest.busy(), 3, UNTIL, Trace.to(b, sim.clock()), (n, p) -> {});
            assertEquals(b.toString(), viaChooser, "always the oldest ready item = fifo");
        }
    }

    @Test
    void aScheduleOfAnotherModelIsReportedAsDiverged() {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            Schedule real = run(sim, Choosers.random(2), "random").schedule();
            int[] picks = real.picks(), options = real.optionCounts();
            options[5] = options[5] + 1; // as if the model had one more item ready there
            if (picks[5] >= options[5]) picks[5] = 0;
            Choosers.Replay replay = Choosers.replay(new Schedule(picks, options));
            run(sim, replay, "replay");
            assertEquals(5, replay.divergedAt());
        }
    }

    @Test
    void badChoiceTextIsRefusedWithTheToken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.decode("0/2 3/3"));
        assertTrue(e.getMessage().contains("'3/3'"), e.getMessage());
        assertEquals("1/2 0/3", Schedule.decode(" 1/2  0/3 ").encode());
    }
}
