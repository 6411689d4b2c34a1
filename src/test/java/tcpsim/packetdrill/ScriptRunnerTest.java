package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.packetdrill.ScriptResult.Verdict;

class ScriptRunnerTest {

    /** A passive open with timestamps, a blocking accept, data both ways and a close. */
    static final String PASSIVE_OPEN = """
        // passive open
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
           +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
           +0 bind(3, ..., ...) = 0
           +0 listen(3, 1) = 0
           +0...0.200 accept(3, ..., ...) = 4
          +.1 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>
           +0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 8>
          +.1 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 200 ecr 500>
          +.1 < P. 1:101(100) ack 1 win 257 <nop,nop,TS val 300 ecr 500>
           +0 > . 1:1(0) ack 101 <nop,nop,TS val 700 ecr 300>
           +0 read(4, ..., 1000) = 100
           +0 %{ assert tcpi_state == TCP_ESTABLISHED, tcpi_state }%
           +0 write(4, ..., 10) = 10
           +0 > P. 1:11(10) ack 101 <nop,nop,TS val 700 ecr 300>
           +0 close(4) = 0
           +0 > F. 11:11(0) ack 101 <...>
        """;

    static ScriptResult run(String text, FakeStack stack) throws PacketdrillSyntaxException {
        Script s = ScriptParser.parse("t.pkt", text, RunSettings.UPSTREAM_DEFINES);
        return new ScriptRunner().run(s, stack);
    }

    /** The passive-open script with one line replaced. */
    static String variant(String from, String to) {
        assertTrue(PASSIVE_OPEN.contains(from), from);
        return PASSIVE_OPEN.replace(from, to);
    }

    static void assertFailure(ScriptResult r, Verdict verdict, int line, String message) {
        assertEquals(verdict, r.verdict(), () -> String.valueOf(r.failure()));
        assertEquals(line, r.failure().line());
        assertEquals("t.pkt:" + line + ": " + message, r.failure().message());
    }

    @Test
    void passiveOpenWithDataAndCloseMatchesACorrectStack() throws Exception {
        FakeStack stack = new FakeStack();
        ScriptResult r = run(PASSIVE_OPEN, stack);

        assertEquals(Verdict.PASS, r.verdict(), () -> String.valueOf(r.failure()));
        assertNull(r.failure());
        assertTrue(stack.closed, "the runner closes the backend");
        // Runner addresses (README section 5) reach the backend.
        assertEquals(Skb.ip("192.168.0.1"), stack.config.localIp());
        assertEquals(Skb.ip("192.0.2.1"), stack.config.remoteIp());
        assertEquals(8080, stack.config.port());
        // Inbound numbers are translated into the stack's space: the handshake ACK acks ISN+1 and
        // echoes the TSval the stack put in its SYN-ACK (sent at 0.100 s).
        Skb synAckAck = (Skb) stack.injected.get(1);
        assertEquals(FakeStack.ISN + 1, synAckAck.ackSeq());
        assertEquals(1, synAckAck.seq());
        assertEquals(FakeStack.TS_BASE + 100, synAckAck.option(TcpOption.Timestamp.class).ecr());
        assertEquals(Skb.ip("192.0.2.1"), synAckAck.saddr());
        assertEquals(8080, synAckAck.dport());
        assertEquals(ScriptRunner.FIRST_REMOTE_PORT, synAckAck.sport());
        // The log shows what the stack sent, in script terms.
        List<String> outbound = r.log().stream().filter(e -> e.kind().equals(">")).map(ScriptResult.LogEntry::text).toList();
        assertEquals(List.of(
            "S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 8>",
            ". 1:1(0) ack 101 win 502 <nop,nop,TS val 700 ecr 300>",
            "P. 1:11(10) ack 101 win 502 <nop,nop,TS val 700 ecr 300>",
            "F. 11:11(0) ack 101 win 502 <nop,nop,TS val 700 ecr 300>"), outbound);
        List<String> calls = r.log().stream().filter(e -> e.kind().equals("return")).map(ScriptResult.LogEntry::text).toList();
        assertEquals(List.of("accept(3, ..., ...) = 4"), calls);
    }

    @Test
    void tsValIsCheckedOnlyWithATickAndThenRelativeToTheFirst() throws Exception {
        String ticked = "--tcp_ts_tick_usecs=1000\n" + PASSIVE_OPEN;
        assertEquals(Verdict.PASS, run(ticked, new FakeStack()).verdict());

        ScriptResult r = run("--tcp_ts_tick_usecs=1000\n" + variant("ack 101 <nop,nop,TS val 700 ecr 300>\n   +0 read",
            "ack 101 <nop,nop,TS val 750 ecr 300>\n   +0 read"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 12, "error handling packet: bad outbound TCP timestamp value, tolerance 37500: "
            + "expected: TS val 750 actual: TS val 700");
    }

    @Test
    void wrongFlagsAreReported() throws Exception {
        ScriptResult r = run(variant("+0 > S. 0:0(0) ack 1", "+0 > S 0:0(0) ack 1"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 8, "error handling packet: live packet field tcp_flags: expected: S vs actual: S.");
        // A SYN line does not teach the runner the stack's ISN (only a SYN-ACK line does), so the
        // seq shows absolute, as packetdrill would show it.
        assertEquals(List.of(
            "script packet: 0.100000 S 0:0(0) <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 8>",
            "actual packet: 0.100000 S. 1000000:1000000(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 100,nop,wscale 8>"),
            r.failure().detail());
    }

    @Test
    void wrongAckIsReported() throws Exception {
        ScriptResult r = run(variant("+0 > S. 0:0(0) ack 1", "+0 > S. 0:0(0) ack 2"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 8,
            "error handling packet: live packet field tcp_ack_seq: expected: 2 (0x2) vs actual: 1 (0x1)");
    }

    @Test
    void wrongOptionIsReportedAsTheFirstOptionThatDiffers() throws Exception {
        ScriptResult r = run(variant("ecr 100,nop,wscale 8>", "ecr 100,nop,wscale 6>"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 8, "error handling packet: bad outbound TCP options: expected: wscale 6 "
            + "actual: wscale 8");
    }

    @Test
    void windowIsCheckedOnlyWhenWritten() throws Exception {
        assertEquals(Verdict.PASS, run(variant("+0 > S. 0:0(0) ack 1 <", "+0 > S. 0:0(0) ack 1 win 65535 <"),
            new FakeStack()).verdict());
        ScriptResult r = run(variant("+0 > S. 0:0(0) ack 1 <", "+0 > S. 0:0(0) ack 1 win 29200 <"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 8,
            "error handling packet: live packet field tcp_window: expected: 29200 (0x7210) vs actual: 65535 (0xffff)");
    }

    @Test
    void aPacketTheStackNeverSendsTimesOut() throws Exception {
        String script = PASSIVE_OPEN.substring(0, PASSIVE_OPEN.indexOf("   +0 write")) + "   +0 > F. 1:1(0) ack 101\n";
        ScriptResult r = run(script, new FakeStack());
        assertFailure(r, Verdict.FAIL, 14, "error handling packet: timed out waiting for packet: outbound packet "
            + "expected at 0.300000 sec, none seen by 1.304000 sec");
    }

    @Test
    void aPacketTheScriptDoesNotExpectIsReportedAsUnexpected() throws Exception {
        // The stack ACKs the data at once; this script forgets that ACK and expects the write next.
        ScriptResult r = run(variant("   +0 > . 1:1(0) ack 101 <nop,nop,TS val 700 ecr 300>\n", ""), new FakeStack());
        assertFailure(r, Verdict.FAIL, 14, "error handling packet: unexpected outbound packet . 1:1(0) ack 101 win 502 "
            + "<nop,nop,TS val 700 ecr 300> (live packet field tcp_flags: expected: P. vs actual: .); the expected "
            + "packet came after it");
    }

    @Test
    void wrongErrnoIsReported() throws Exception {
        ScriptResult r = run(variant("+0...0.200 accept(3, ..., ...) = 4",
            "+0 accept(3, ..., ...) = -1 ECONNREFUSED (Connection refused)"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 6,
            "runtime error in accept call: Expected errno 111 (ECONNREFUSED) but got 11 (EAGAIN)");
    }

    @Test
    void anEarlyPacketIsATimingErrorWithThePercentageTolerance() throws Exception {
        // Expected 50 ms after the SYN; tolerance is max(4 ms, 12.5 % of 50 ms) = 6.25 ms.
        ScriptResult r = run(variant("+0 > S. 0:0(0) ack 1", "+.05 > S. 0:0(0) ack 1"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 8, "error handling packet: timing error: expected outbound packet at 0.150000 sec "
            + "but happened at 0.100000 sec; tolerance 0.006250 sec");
    }

    @Test
    void aLatePacketInsideItsRangePassesAndOutsideFails() throws Exception {
        FakeStack slow = new FakeStack();
        slow.synAckDelay = 350_000;
        assertEquals(Verdict.PASS, run(variant("+0 > S. 0:0(0) ack 1", "+.3~+.4 > S. 0:0(0) ack 1")
            .replace("+0...0.200 accept", "+0...0.550 accept"), slow).verdict());

        FakeStack slower = new FakeStack();
        slower.synAckDelay = 500_000;
        ScriptResult r = run(variant("+0 > S. 0:0(0) ack 1", "+.3~+.4 > S. 0:0(0) ack 1"), slower);
        assertFailure(r, Verdict.FAIL, 8, "error handling packet: timing error: expected outbound packet in relative "
            + "time range +0.300000~+0.400000 sec but happened at +0.500000 sec");
    }

    @Test
    void aBlockingCallIsCheckedAgainstItsEndTime() throws Exception {
        ScriptResult r = run(variant("+0...0.200 accept", "+0...0.100 accept"), new FakeStack());
        assertFailure(r, Verdict.FAIL, 6, "timing error: expected system call return at 0.100000 sec but happened at "
            + "0.200000 sec; tolerance 0.012500 sec");
    }

    @Test
    void aFailedPythonAssertionFailsTheScriptAtItsLine() throws Exception {
        ScriptResult r = run(variant("assert tcpi_state == TCP_ESTABLISHED", "assert tcpi_state == TCP_CLOSE_WAIT"),
            new FakeStack());
        assertFailure(r, Verdict.FAIL, 13, "error in Python code: AssertionError: 1 "
            + "(assert tcpi_state == TCP_CLOSE_WAIT, tcpi_state)");
    }

    @Test
    void aBrokenPythonBlockIsAnErrorAtItsLine() throws Exception {
        ScriptResult syntax = run(variant("assert tcpi_state == TCP_ESTABLISHED, tcpi_state", "assert ("), new FakeStack());
        assertEquals(Verdict.ERROR, syntax.verdict());
        assertEquals(13, syntax.failure().line());
        assertTrue(syntax.failure().message().startsWith("t.pkt:13: error in Python code: SyntaxError: "),
            syntax.failure().message());

        ScriptResult missing = run(variant("assert tcpi_state == TCP_ESTABLISHED", "assert tcpi_no_such_field == 1"),
            new FakeStack());
        assertFailure(missing, Verdict.ERROR, 13, "error in Python code: NameError: name 'tcpi_no_such_field' is not "
            + "defined (assert tcpi_no_such_field == 1, tcpi_state)");
    }

    @Test
    void commandLineToleranceOverridesTheScriptHeader() throws Exception {
        String script = "--tolerance_usecs=100000\n" + variant("+0 > S. 0:0(0) ack 1", "+.05 > S. 0:0(0) ack 1");
        Script s = ScriptParser.parse("t.pkt", script, RunSettings.UPSTREAM_DEFINES);
        assertEquals(Verdict.PASS, new ScriptRunner().run(s, new FakeStack()).verdict());
        ScriptResult r = new ScriptRunner(RunSettings.defaults(), OptionalLong.of(1000)).run(s, new FakeStack());
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.failure().message().contains("tolerance 0.006250 sec"), r.failure().message());
    }

    @Test
    void unknownSystemCallIsAnErrorNotAFailure() throws Exception {
        ScriptResult r = run(variant("+0 listen(3, 1) = 0", "+0 frobnicate(3) = 0"), new FakeStack());
        assertFailure(r, Verdict.ERROR, 5, "runtime error in frobnicate call: Unknown system call: 'frobnicate'");
    }

    @Test
    void activeOpenLearnsTheIsnAndLocalPortFromTheStacksSyn() throws Exception {
        FakeStack stack = new FakeStack();
        ScriptResult r = run("""
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
             +.01...0.011 connect(3, ..., ...) = 0
               +0 > S 0:0(0) <...>
               +0 < S. 0:0(0) ack 1 win 32768 <mss 1000,nop,wscale 6,nop,nop,sackOK>
               +0 > . 1:1(0) ack 1
               +0 write(3, ..., 1000) = 1000
               +0 > P. 1:1001(1000) ack 1
               +0 < . 1:1(0) ack 1001 win 257
               +0 close(3) = 0
               +0 > F. 1001:1001(0) ack 1
            """, stack);
        assertEquals(Verdict.PASS, r.verdict(), () -> String.valueOf(r.failure()));
        Skb synAck = (Skb) stack.injected.get(0);
        assertEquals(2 * FakeStack.ISN + 1, synAck.ackSeq(), "a SYN-ACK's ack is relative to the SYN the script wrote");
        assertEquals(0, synAck.seq(), "the peer's ISN is the seq the script gives its SYN-ACK");
        assertEquals(40000, synAck.dport(), "the local port is learned from the stack's SYN");
        assertEquals(8080, synAck.sport());
        Skb ack = (Skb) stack.injected.get(1);
        assertEquals(2 * FakeStack.ISN + 1001, ack.ackSeq());
        assertEquals(1, ack.seq());
    }

    @Test
    void aNonZeroSynSeqIsTheRemoteIsnAndSynAckAckIsAbsolute() throws Exception {
        FakeStack stack = new FakeStack();
        ScriptResult r = run("""
                0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
               +0 bind(3, ..., ...) = 0
               +0 listen(3, 1) = 0
               +0 < S 1428932:1428932(0) win 10000 <mss 1012,nop,nop,sackOK>
               +0 > S. 0:0(0) ack 1428933 <mss 1460,nop,nop,sackOK>
               +0 < icmp unreachable CODE
              +.1 < . 1:1(0) ack 1 win 257
               +0 accept(3, ..., ...) = 4
            """, stack);
        assertEquals(Verdict.PASS, r.verdict(), () -> String.valueOf(r.failure()));
        tcpsim.net.Icmp icmp = (tcpsim.net.Icmp) stack.injected.get(1);
        assertEquals(tcpsim.net.Icmp.DEST_UNREACH, icmp.type());
        assertEquals(tcpsim.net.Icmp.HOST_UNREACH, icmp.code());
        assertEquals(FakeStack.ISN, icmp.quoted().seq(), "the quoted segment is the stack's SYN-ACK");
        assertEquals(8080, icmp.quoted().sport());
        assertEquals(ScriptRunner.FIRST_REMOTE_PORT, icmp.quoted().dport());
        Skb ack = (Skb) stack.injected.get(2);
        assertEquals(1428933, ack.seq());
        assertEquals(FakeStack.ISN + 1, ack.ackSeq());
    }

    @Test
    void theRunnerReachesAVerdictOnEveryExampleWithoutThrowing() throws Exception {
        java.util.Optional<java.nio.file.Path> dir = Examples.dir();
        org.junit.jupiter.api.Assumptions.assumeTrue(dir.isPresent(), "shared/packetdrill/examples not found; skipped");
        for (java.nio.file.Path p : Examples.scripts(dir.get())) {
            Script s = ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES);
            ScriptResult r = new ScriptRunner().run(s, new FakeStack());
            assertTrue(r.passed() || r.failure().message().startsWith(p + ":"), r.toString());
        }
    }
}
