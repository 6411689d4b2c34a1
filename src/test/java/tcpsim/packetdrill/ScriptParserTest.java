package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScriptParserTest {

    @Test
    void everyExampleScriptParses() throws Exception {
        Optional<Path> dir = Examples.dir();
        assumeTrue(dir.isPresent(), "shared/packetdrill/examples not found next to the project; skipped");
        List<Path> scripts = Examples.scripts(dir.get());
        assertEquals(41, scripts.size(), "the example corpus holds 41 scripts");
        List<String> failures = new ArrayList<>();
        for (Path p : scripts) {
            try {
                Script s = ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES);
                // Every event of these scripts starts its own line with a timestamp.
                long timestampLines = Files.readAllLines(p).stream()
                    .filter(l -> l.matches("\\s*(\\+?[0-9]*\\.?[0-9]+|\\*).*")).count();
                assertEquals(timestampLines, s.events().size(), p.toString());
            } catch (PacketdrillSyntaxException e) {
                failures.add(e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }
}
