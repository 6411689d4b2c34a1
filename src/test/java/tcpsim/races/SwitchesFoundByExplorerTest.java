package tcpsim.races;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tcpsim.explore.Explorer;
import tcpsim.explore.ReplayFile;
import tcpsim.explore.Replayer;
import tcpsim.explore.StrategySpec;
import tcpsim.net.Inject;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;

/**
 * Issue 9's promise for every race-injection switch: on its race scenario the explorer finds a
 * violation within a small budget, minimises it, and the replay file breaks the same invariant
 * again; and without the switch the same budget finds nothing.
 */
class SwitchesFoundByExplorerTest {
    static final Path HOME = Path.of(System.getProperty("tcpsim.home", "."));

    @TempDir
    Path out;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Inject.class)
    void theExplorerFindsMinimisesAndReplaysEverySwitch(Inject sw) throws Exception {
        Scenario s = ScenarioLoader.load(HOME.resolve(sw.scenario));
        Explorer.Result r = Explorer.builder(s).strategy(StrategySpec.pct(3)).schedules(400).inject(Set.of(sw))
            .outDir(out).minimiseTests(300).run();
        assertEquals(1, r.violations().size(), sw + ": " + r.violations());
        Explorer.Found f = r.violations().get(0);
        assertTrue(f.deviations() <= f.originalDeviations(), f.deviations() + " of " + f.originalDeviations());

        Replayer.Outcome again = Replayer.replay(ReplayFile.read(f.replayFile()), List.of(), (t, p) -> {});
        assertNull(again.changed(), "the model has not changed since the file was written");
        assertTrue(again.reproduced(), "the replay breaks " + f.invariant() + " again");
        assertEquals(f.invariant(), again.violation().invariant().name());

        Explorer.Result faithful = Explorer.builder(s).strategy(StrategySpec.pct(3))
            .schedules(Math.max(r.schedules(), 50)).outDir(out).run();
        assertTrue(faithful.ok(), "the faithful model: " + faithful.violations());
    }
}
