package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tcpsim.packetdrill.ScriptResult.Verdict;
import tcpsim.runtime.Strategy;
import tcpsim.testkit.TcpsimExtension;

/**
 * What the kernel guarantees by its lock order must hold in every interleaving the model allows,
 * not only the FIFO one: the same script under seeded random schedules.
 */
class ScheduleIndependenceTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    /** A request whose listener closed is unlinked before the segment is looked up again: a RST. */
    @ParameterizedTest(name = "schedule seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void finalAckAfterTheListenerClosedGetsARstInEverySchedule(long seed) throws Exception {
        tcpsim.simulation().strategy(Strategy.random(seed));
        Path script = ProjectScripts.dir("packetdrill").resolve("listener-closed-before-final-ack.pkt");
        ScriptResult r = ProjectScripts.onModel(script, tcpsim.simulation());
        assertEquals(Verdict.PASS, r.verdict(), () -> "seed " + seed + ": " + r.failure().message());
    }

    /** Every one of our scripts, under ten seeded random schedules each. */
    @org.junit.jupiter.api.TestFactory
    java.util.stream.Stream<org.junit.jupiter.api.DynamicTest> everyOwnScriptPassesUnderRandomSchedules() throws Exception {
        return ProjectScripts.scripts("packetdrill").stream().flatMap(p -> java.util.stream.LongStream.rangeClosed(1, 10)
            .mapToObj(seed -> org.junit.jupiter.api.DynamicTest.dynamicTest(p.getFileName() + " seed " + seed, () -> {
                tcpsim.simulation().strategy(Strategy.random(seed));
                ScriptResult r = ProjectScripts.onModel(p, tcpsim.simulation());
                assertEquals(Verdict.PASS, r.verdict(), () -> p.getFileName() + " seed " + seed + ": " + r.failure().message());
            })));
    }
}
