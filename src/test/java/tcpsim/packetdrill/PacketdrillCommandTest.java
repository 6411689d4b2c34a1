package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PacketdrillCommandTest {

    @TempDir
    Path dir;

    private record Outcome(int exit, String out, String err) {
        List<String> outLines() { return out.lines().toList(); }
    }

    private Outcome run(Backends backends, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new PacketdrillCommand(backends));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static Backends model(Supplier<Backend> factory) {
        return new Backends(Map.of("model", factory));
    }

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aDirectoryRunsEveryScriptBelowItAndSummarisesInTheFormCiReads() throws Exception {
        write("a/good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Path bad = write("b/bad.pkt", ScriptRunnerTest.variant("+0 > S. 0:0(0) ack 1", "+0 > S. 0:0(0) ack 2"));
        Path json = dir.resolve("out.json");

        Outcome o = run(model(FakeStack::new), "--json", json.toString(), dir.toString());

        assertEquals(1, o.exit(), o.err());
        assertEquals(List.of(
            bad + ":8: error handling packet: live packet field tcp_ack_seq: expected: 2 (0x2) vs actual: 1 (0x1)",
            "1 passed, 1 failed"), o.outLines());
        JsonNode records = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, records.size());
        JsonNode failed = records.get(1);
        assertEquals(bad.toString(), failed.get("path").asText());
        assertEquals("model", failed.get("backend").asText());
        assertEquals("fail", failed.get("verdict").asText());
        assertEquals(8, failed.get("failure").get("line").asInt());
        assertTrue(failed.get("notes").isArray());
        assertEquals("pass", records.get(0).get("verdict").asText());
        assertTrue(records.get(0).get("failure").isNull());
    }

    @Test
    void allPassingExitsZero() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Outcome o = run(model(FakeStack::new), good.toString());
        assertEquals(0, o.exit());
        assertEquals(List.of("1 passed, 0 failed"), o.outLines());
    }

    @Test
    void aSyntaxErrorIsTheScriptsOwnErrorVerdictAndTheBatchGoesOn() throws Exception {
        Path broken = write("a/broken.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < Q 0:0(0) win 100\n");
        Path good = write("b/good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Path json = dir.resolve("out.json");

        Outcome o = run(model(FakeStack::new), "--json", json.toString(), dir.resolve("a").toString(), good.toString());

        assertEquals(1, o.exit(), o.err());
        assertEquals(List.of(
            broken + ":2:6: expected TCP flags (such as S, S., ., P., F., R or -), found 'Q'",
            "1 passed, 1 failed (1 error: not parsed, not modelled or not runnable)"), o.outLines());
        assertEquals("", o.err());
        JsonNode records = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, records.size());
        assertEquals("error", records.get(0).get("verdict").asText());
        assertEquals(2, records.get(0).get("failure").get("line").asInt());
        assertEquals(broken + ":2:6: expected TCP flags (such as S, S., ., P., F., R or -), found 'Q'",
            records.get(0).get("failure").get("message").asText());
        assertEquals("pass", records.get(1).get("verdict").asText());
    }

    @Test
    void aScriptTheBackendDoesNotModelIsAnErrorOnEachBackend() throws Exception {
        Path v6 = write("v6.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < icmp packet_too_big mtu 1280\n");
        Path json = dir.resolve("out.json");
        Backends both = new Backends(Map.of("kernel", () -> new FakeStack("kernel"), "model", FakeStack::new));

        Outcome o = run(both, "--backend", "both", "--json", json.toString(), v6.toString());

        assertEquals(1, o.exit());
        assertEquals(List.of("[kernel] " + v6 + ":2: not modelled: ICMPv6 packet_too_big",
            "[model] " + v6 + ":2: not modelled: ICMPv6 packet_too_big",
            "0 passed, 2 failed (2 errors: not parsed, not modelled or not runnable)"), o.outLines());
        JsonNode records = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("kernel:error", "model:error"), List.of(
            records.get(0).get("backend").asText() + ":" + records.get(0).get("verdict").asText(),
            records.get(1).get("backend").asText() + ":" + records.get(1).get("verdict").asText()));
    }

    @Test
    void aBackendThatCannotBeMadeIsAnErrorNotACrash() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Backends broken = new Backends(Map.of("model", () -> {
            throw new IllegalStateException("no TUN device");
        }));
        Outcome o = run(broken, good.toString());
        assertEquals(1, o.exit());
        assertEquals(List.of(good + ":0: backend model unavailable: no TUN device",
            "0 passed, 1 failed (1 error: not parsed, not modelled or not runnable)"), o.outLines());
    }

    @Test
    void invalidUtf8IsASyntaxErrorAtItsByte() throws Exception {
        Path bad = dir.resolve("bad.pkt");
        Files.write(bad, new byte[] {'0', ' ', 'c', '(', ')', ' ', '=', ' ', '0', '\n', '+', '0', ' ', (byte) 0xff, '\n'});
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);

        Outcome o = run(model(FakeStack::new), bad.toString(), good.toString());

        assertEquals(1, o.exit());
        assertEquals(bad + ":2:4: invalid UTF-8 (byte 0xff)", o.outLines().get(0));
    }

    @Test
    void onlyWhenNoScriptCanBeReadIsTheExitTwo() throws Exception {
        Path locked = write("locked.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        assumeTrue(locked.toFile().setReadable(false, false) && !Files.isReadable(locked),
            "running as root: every file is readable");
        Path json = dir.resolve("out.json");

        Outcome none = run(model(FakeStack::new), "--json", json.toString(), locked.toString());
        assertEquals(2, none.exit());
        assertTrue(none.err().endsWith("packetdrill: no script could be read\n"), none.err());
        assertFalse(Files.exists(json));

        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        assertEquals(1, run(model(FakeStack::new), locked.toString(), good.toString()).exit());
    }

    @Test
    void aMissingPathIsACommandLineErrorExitTwo() {
        Outcome none = run(model(FakeStack::new), dir.resolve("missing.pkt").toString());
        assertEquals(2, none.exit());
        assertEquals("packetdrill: " + dir.resolve("missing.pkt") + ": no such file or directory\n", none.err());
    }
}
