package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;
import tcpsim.packetdrill.ScriptResult.Verdict;
import tcpsim.testkit.TcpsimExtension;

/**
 * The project's own scripts (src/test/resources/packetdrill), each first confirmed on the live
 * kernel: they pass there, and on the model, except where the model is known to be wrong.
 */
class OwnScriptsTest {
    /** One deterministic simulation for the class, reused by every script (TcpsimExtension). */
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    @Test
    void theScriptsCoverTheHandshakeCasesTheModelHas() throws Exception {
        assertEquals(java.util.List.of("connect-blocking.pkt", "connect-nonblocking.pkt", "listen-backlog-zero.pkt",
                "listener-close-frees-port.pkt", "listener-closed-before-final-ack.pkt",
                "passive-open-all-options.pkt", "passive-open-mss-only.pkt", "reuseport-second-listener-closed.pkt",
                "rst-bare-ack-to-listener.pkt", "rst-syn-to-closed-port.pkt", "syn-retransmit-linear.pkt",
                "synack-retransmit-backoff.pkt"),
            ProjectScripts.scripts("packetdrill").stream().map(p -> p.getFileName().toString()).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyScriptPassesOnTheModel() throws Exception {
        return ProjectScripts.scripts("packetdrill").stream().map(p -> DynamicTest.dynamicTest(name(p), () -> {
            ScriptResult r = ProjectScripts.onModel(p, tcpsim.simulation());
            assertEquals(Verdict.PASS, r.verdict(), () -> r.failure().message() + "\n" + r.notes());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyScriptPassesOnTheKernel() throws Exception {
        String why = ProjectScripts.kernelUnavailable();
        assumeTrue(why == null, why);
        return ProjectScripts.scripts("packetdrill").stream().map(p -> DynamicTest.dynamicTest(name(p), () -> {
            ScriptResult r = ProjectScripts.onKernel(p);
            assertEquals(Verdict.PASS, r.verdict(), () -> r.failure().message() + "\n" + r.notes());
        }));
    }

    @Test
    void theCommandRunsTheModelBackendByName() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new PacketdrillCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        Path script = ProjectScripts.dir("packetdrill").resolve("passive-open-all-options.pkt");
        assertEquals(0, cl.execute("--backend", "model", script.toString(), script.toString()), err.toString());
        assertEquals("2 passed, 0 failed", out.toString().strip(), "two runs on the one shared simulation");
    }

    static String name(Path p) {
        return p.getFileName().toString();
    }
}
