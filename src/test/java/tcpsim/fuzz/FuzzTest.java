package tcpsim.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input never breaks a run: 2,000 mutated scenarios and scripts give a result or a clean error. */
class FuzzTest {

    static Path projectRoot() {
        return Path.of(System.getProperty("tcpsim.home", ".")).toAbsolutePath().normalize();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20250611L})
    void twoThousandMutatedInputsGiveAResultOrACleanError(long seed, @TempDir Path work) throws Exception {
        Map<Fuzzer.Kind, List<byte[]>> corpus = Fuzzer.corpus(projectRoot());
        assertEquals(2, corpus.size(), "scenarios and scripts found under " + projectRoot());
        Fuzzer.Summary s = new Fuzzer(corpus, work, 5_000)
            .run(seed, 2_000, List.of(Fuzzer.Kind.SCENARIO, Fuzzer.Kind.PACKETDRILL), null, n -> { });
        assertEquals(List.of(), s.crashes().stream().limit(3).map(c -> "seed " + seed + ", input " + c.input() + " ("
            + c.kind() + "): " + c.reason()).toList(), "seed " + seed + ": " + s.crashes().size() + " crashes");
        assertEquals(2_000, s.normal() + s.cleanErrors());
        assertTrue(s.normal() > 0 && s.cleanErrors() > 0, "seed " + seed + ": " + s);
    }
}
