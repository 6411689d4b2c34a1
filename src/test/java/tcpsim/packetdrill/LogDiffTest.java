package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tcpsim.packetdrill.ScriptResult.LogEntry;
import tcpsim.packetdrill.ScriptResult.Verdict;

class LogDiffTest {
    static final LogEntry CALL = entry(9, "call", "connect(3, ..., ...) ..."),
        SYN = entry(10, ">", "S 0:0(0) <mss 1460>"), SYNACK = entry(11, "<", "S. 0:0(0) ack 1 <mss 1000>"),
        ACK = entry(12, ">", ". 1:1(0) ack 1"), RETURN = entry(9, "return", "connect(3, ..., ...) = 0");

    static LogEntry entry(int line, String kind, String text) {
        return new LogEntry(line, kind, text, 0, text);
    }

    static ScriptResult run(String backend, LogEntry... log) {
        return new ScriptResult("t.pkt", backend, Verdict.PASS, null, List.of(), List.of(log));
    }

    @Test
    void aBlockingCallReturningBeforeOrAfterTheAckItRacesWithIsNoDivergence() {
        assertEquals(Optional.empty(), LogDiff.firstDivergence(run("kernel", CALL, SYN, SYNACK, RETURN, ACK),
            run("model", CALL, SYN, SYNACK, ACK, RETURN)));
    }

    @Test
    void aDifferentPacketOrResultIsStillOne() {
        LogEntry otherAck = entry(12, ">", ". 1:1(0) ack 2");
        assertEquals(Optional.of("line 12: kernel: > . 1:1(0) ack 1 | model: > . 1:1(0) ack 2"),
            LogDiff.firstDivergence(run("kernel", CALL, SYN, SYNACK, RETURN, ACK), run("model", CALL, SYN, SYNACK, otherAck, RETURN)));
        LogEntry refused = entry(9, "return", "connect(3, ..., ...) = -1 ECONNREFUSED");
        assertEquals(Optional.of("line 9: kernel: returned connect(3, ..., ...) = 0 | model: returned connect(3, ..., ...) "
                + "= -1 ECONNREFUSED"),
            LogDiff.firstDivergence(run("kernel", CALL, SYN, SYNACK, RETURN, ACK), run("model", CALL, SYN, SYNACK, ACK, refused)));
    }
}
