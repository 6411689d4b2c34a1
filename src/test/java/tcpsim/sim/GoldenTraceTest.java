package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;

/**
 * Golden trace hashes: a few (scenario, seed, strategy) runs whose full trace is pinned by its
 * SHA-256 in src/test/resources/golden/traces.tsv. Determinism across runs is DeterminismTest's;
 * this one holds it across machines and JVMs (CI runs it elsewhere) and makes every change of the
 * model's behaviour a knowing one: when a change is meant, rerun with -Dtcpsim.golden=update, which
 * rewrites the file, and commit it with the change that explains why.
 */
class GoldenTraceTest {
    static final Path HOME = Path.of(System.getProperty("tcpsim.home", "."));
    static final Path FILE = HOME.resolve("src/test/resources/golden/traces.tsv");

    record Case(String scenario, long seed, String strategy) {
        String key() {
            return scenario + "\t" + seed + "\t" + strategy;
        }
    }

    static final List<Case> CASES = List.of(
        new Case("simulations/handshake.conf", 1, "fifo"),
        new Case("simulations/backlog-overflow.conf", 1, "fifo"),
        new Case("simulations/backlog-overflow.conf", 7, "random"),
        new Case("simulations/syn-timeout.conf", 1, "fifo"),
        new Case("simulations/races/accept-vs-listener-close.conf", 3, "random"),
        new Case("simulations/races/duplicate-final-ack.conf", 5, "random"));

    static String traceHash(Simulation sim, Case c) throws NoSuchAlgorithmException {
        Scenario s = ScenarioLoader.load(HOME.resolve(c.scenario()));
        sim.strategy(Strategy.named(c.strategy(), c.seed()));
        StringBuilder b = new StringBuilder();
        SimRun.run(sim, ScenarioTopology.from(s), c.seed(), s.untilNanos(), Trace.to(b, sim.clock()), (n, p) -> {});
        byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d) + "\t" + b.length();
    }

    @Test
    void everyGoldenTraceHasItsPinnedHash() throws Exception {
        List<String> actual = new ArrayList<>();
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            for (Case c : CASES) actual.add(c.key() + "\t" + traceHash(sim, c));
        }
        if ("update".equals(System.getProperty("tcpsim.golden"))) {
            Files.writeString(FILE, "# scenario\tseed\tstrategy\tsha256 of the trace\tits length in chars\n"
                + String.join("\n", actual) + "\n");
            return;
        }
        List<String> pinned = pinned();
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            String want = i < pinned.size() ? pinned.get(i) : "(missing)";
            if (!want.equals(actual.get(i))) differ.add("  pinned " + want + "\n  now    " + actual.get(i));
        }
        assertTrue(differ.isEmpty(), "the model's behaviour changed (if that is meant, rerun with "
            + "-Dtcpsim.golden=update and commit " + HOME.relativize(FILE) + " with the change):\n" + String.join("\n", differ));
    }

    static List<String> pinned() throws IOException {
        return Files.readAllLines(FILE).stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }
}
