package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.testkit.TcpsimExtension;
import tcpsim.packetdrill.ScriptResult.Verdict;

/**
 * Each script under src/test/resources/packetdrill-wrong gets one thing deliberately wrong (a
 * flag, an ack, a packet that never comes, an errno, a time); its {@code // expect:} line says
 * what the failure must say. Both backends must catch it, at that line's check, as a FAIL.
 */
class WrongScriptsTest {
    /** One deterministic simulation for the class, reused by every script (TcpsimExtension). */
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    @TestFactory
    Stream<DynamicTest> theModelBackendCatchesEachMistake() throws Exception {
        return ProjectScripts.scripts("packetdrill-wrong").stream().map(p -> DynamicTest.dynamicTest(
            OwnScriptsTest.name(p), () -> assertCaught(p, ProjectScripts.onModel(p, tcpsim.simulation()))));
    }

    @TestFactory
    Stream<DynamicTest> theKernelBackendCatchesEachMistake() throws Exception {
        String why = ProjectScripts.kernelUnavailable();
        assumeTrue(why == null, why);
        return ProjectScripts.scripts("packetdrill-wrong").stream().map(p -> DynamicTest.dynamicTest(
            OwnScriptsTest.name(p), () -> assertCaught(p, ProjectScripts.onKernel(p))));
    }

    static void assertCaught(Path script, ScriptResult r) throws Exception {
        String expect = Files.readAllLines(script).stream().filter(l -> l.startsWith("// expect: "))
            .map(l -> l.substring("// expect: ".length())).findFirst().orElse(null);
        assertNotNull(expect, script + " says what its failure must be in an '// expect:' line");
        assertEquals(Verdict.FAIL, r.verdict(), () -> String.valueOf(r.failure()));
        assertTrue(r.failure().message().contains(expect), () -> "expected '" + expect + "' in: " + r.failure().message());
        assertTrue(r.failure().message().startsWith(script + ":" + r.failure().line() + ": "), r.failure().message());
        assertTrue(!r.failure().message().contains("\n"), "one line");
    }
}
