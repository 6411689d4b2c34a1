package tcpsim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.scenario.ClientApp;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;

/** Runs bench scale at tiny sizes; checks what it counted, never how fast. */
class ScaleBenchTest {

    @Test
    void scenarioSplitsClientsIntoHostsOfTenThousandAroundOneServer(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.conf");
        Files.writeString(f, ScaleBench.scenario(20_001));

        Scenario s = ScenarioLoader.load(f);

        assertEquals(4, s.hosts().size(), "a server and three client hosts");
        assertEquals(List.of(10_000, 10_000, 1), s.apps().stream()
            .filter(a -> a instanceof ClientApp).map(a -> ((ClientApp) a).count()).toList());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everySizeEstablishesAndHoldsAllItsConnectionsWithMessagesAndHeapCounted(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        Map<String, Object> j = ScaleBench.run(List.of(100, 1_000), dir, new PrintStream(text), new PrintStream(new ByteArrayOutputStream()));

        List<Map<String, Object>> sizes = (List<Map<String, Object>>) j.get("sizes");
        assertEquals(2, sizes.size());
        for (Map<String, Object> z : sizes) {
            int n = (Integer) z.get("connections");
            assertEquals((long) n, z.get("established"), "connect() succeeded for every client");
            assertEquals((long) n, z.get("accepted"), "the server accepted every connection");
            assertTrue((Long) z.get("messages") >= 10L * n, "a handshake and its calls take at least ten messages");
            assertTrue((Double) z.get("heap_bytes_per_connection") > 0, "held connections take heap");
            assertTrue(Files.isRegularFile(dir.resolve("scale-" + n + ".conf")), "the scenario is kept for tcpsim run");
        }
        assertFalse(j.containsKey("ratio_1e6_to_1e4"), "no ratio without both 10^4 and 10^6");
        assertTrue(text.toString().contains("1,000"));
    }
}
