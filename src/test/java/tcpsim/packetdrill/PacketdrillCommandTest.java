package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aSyntaxErrorIsOneLineAndExitTwo() throws Exception {
        Path p = write("broken.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < Q 0:0(0) win 100\n");
        Outcome o = run(model(FakeStack::new), p.toString());
        assertEquals(2, o.exit());
        assertEquals(p + ":2:6: expected TCP flags (such as S, S., ., P., F., R or -), found 'Q'\n", o.err());
        assertEquals("", o.out());
    }

    @Test
    void anUnregisteredBackendIsOneLineAndExitTwo() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Outcome o = run(model(FakeStack::new), "--backend", "kernel", good.toString());
        assertEquals(2, o.exit());
        assertEquals("packetdrill: unknown backend 'kernel' (available: model)\n", o.err());

        Outcome both = run(model(FakeStack::new), "--backend", "both", good.toString());
        assertEquals(2, both.exit());
        assertEquals("packetdrill: unknown backend 'kernel' (available: model)\n", both.err());
    }

    @Test
    void bothShowsTheFirstPacketWhereTheBackendsPart() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Supplier<Backend> otherWscale = () -> {
            FakeStack s = new FakeStack("model");
            s.wscale = 7;
            return s;
        };
        Outcome o = run(new Backends(Map.of("kernel", () -> new FakeStack("kernel"), "model", otherWscale)), "--backend", "both",
            good.toString());

        assertEquals(1, o.exit());
        assertEquals(List.of(
            "[model] " + good + ":8: error handling packet: bad outbound TCP options: expected: wscale 8 actual: wscale 7",
            good + ": line 8: kernel: > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 8>"
                + " | model: > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 7>",
            "1 passed, 1 failed"), o.outLines());
    }

    @Test
    void bothReportsADifferenceEvenWhenBothPass() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Supplier<Backend> otherWindow = () -> {
            FakeStack s = new FakeStack("model");
            s.window = 300;
            return s;
        };
        Outcome o = run(new Backends(Map.of("kernel", () -> new FakeStack("kernel"), "model", otherWindow)), "--backend", "both",
            good.toString());

        assertEquals(0, o.exit());
        assertEquals(List.of(
            good + ": line 11: kernel: > . 1:1(0) ack 101 win 502 <nop,nop,TS val 700 ecr 300>"
                + " | model: > . 1:1(0) ack 101 win 300 <nop,nop,TS val 700 ecr 300>",
            "2 passed, 0 failed"), o.outLines());
    }

    @Test
    void bothIgnoresATsValDifferenceThatPacketdrillWouldNotCheck() throws Exception {
        Path good = write("good.pkt", ScriptRunnerTest.PASSIVE_OPEN);
        Supplier<Backend> jittery = () -> {
            FakeStack s = new FakeStack("model");
            s.tsJitter = 1;
            return s;
        };
        Backends both = new Backends(Map.of("kernel", () -> new FakeStack("kernel"), "model", jittery));
        assertEquals(List.of("2 passed, 0 failed"), run(both, "--backend", "both", good.toString()).outLines());

        Path ticked = write("ticked.pkt", "--tcp_ts_tick_usecs=1000\n" + ScriptRunnerTest.PASSIVE_OPEN);
        Outcome o = run(both, "--backend", "both", ticked.toString());
        assertEquals(ticked + ": line 12: kernel: > . 1:1(0) ack 101 win 502 <nop,nop,TS val 700 ecr 300> | model: > "
            + ". 1:1(0) ack 101 win 502 <nop,nop,TS val 701 ecr 300>", o.outLines().get(0));
    }

    @Test
    void definesOnTheCommandLineReachTheScript() throws Exception {
        Path p = write("d.pkt", ScriptRunnerTest.variant("write(4, ..., 10) = 10", "write(4, ..., LEN) = LEN"));
        Outcome undefined = run(model(FakeStack::new), p.toString());
        assertEquals(1, undefined.exit());
        assertTrue(undefined.out().contains("unknown symbol 'LEN'"), undefined.out());

        Outcome defined = run(model(FakeStack::new), "-D", "LEN=10", p.toString());
        assertEquals(0, defined.exit(), defined.out());
    }
}
