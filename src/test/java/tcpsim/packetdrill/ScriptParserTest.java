package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

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

    private static Script parse(String text) throws PacketdrillSyntaxException {
        return ScriptParser.parse("t.pkt", text, RunSettings.UPSTREAM_DEFINES);
    }

    private static Action only(String text) throws PacketdrillSyntaxException {
        return parse(text).events().get(0).action();
    }

    private static void assertSyntaxError(String text, String message) {
        PacketdrillSyntaxException e = assertThrows(PacketdrillSyntaxException.class, () -> parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void headerInitEventsAndCleanupAreSeparated() throws Exception {
        Script s = parse("--tolerance_usecs=7000\n--tcp_ts_ecr_scaled\n`../common/defaults.sh`\n"
            + "0 `echo hi`\n+0 %{ assert 1 }%\n`/tmp/sysctl_restore_${PPID}.sh`\n");
        assertEquals(List.of(new Script.HeaderOption("tolerance_usecs", "7000", 1),
            new Script.HeaderOption("tcp_ts_ecr_scaled", null, 2)), s.options());
        assertEquals(new Action.ShellCommand("../common/defaults.sh", 3), s.init());
        assertEquals(new Action.ShellCommand("echo hi", 4), s.events().get(0).action());
        assertEquals(new Action.PythonCode("assert 1"), s.events().get(1).action());
        assertEquals("/tmp/sysctl_restore_${PPID}.sh", s.cleanup().command());
    }

    @Test
    void everyTimingForm() throws Exception {
        Script s = parse("0 close(3) = 0\n+.01 close(3) = 0\n0.100 > . 1:1(0) ack 1\n0.1~0.2 > . 1:1(0) ack 1\n"
            + "+.3~+.400 > . 1:1(0) ack 1\n* > . 1:1(0) ack 1\n+0...0.200 accept(3, ..., ...) = 4\n"
            + "+0 ...0.010 sendto(4, ..., 1000, MSG_FASTOPEN, ..., ...) = 1000\n+0 ... .02 close(4) = 0\n");
        List<EventTime> t = s.events().stream().map(Event::time).toList();
        assertEquals(new EventTime.Absolute(0), t.get(0));
        assertEquals(new EventTime.Relative(10_000), t.get(1));
        assertEquals(new EventTime.Absolute(100_000), t.get(2));
        assertEquals(new EventTime.AbsoluteRange(100_000, 200_000), t.get(3));
        assertEquals(new EventTime.RelativeRange(300_000, 400_000), t.get(4));
        assertEquals(new EventTime.AnyTime(), t.get(5));
        assertEquals(200_000L, ((Action.SyscallSpec) s.events().get(6).action()).endUsecs());
        assertEquals(10_000L, ((Action.SyscallSpec) s.events().get(7).action()).endUsecs());
        assertEquals(20_000L, ((Action.SyscallSpec) s.events().get(8).action()).endUsecs());
        assertNull(((Action.SyscallSpec) s.events().get(0).action()).endUsecs());
    }

    @Test
    void tcpPacketFieldsAndFlagForms() throws Exception {
        Action.TcpPacket p = (Action.TcpPacket) only("0 < [ect0] SEW 0:10(10) ack 5 win 32792 "
            + "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7,FO 3021b9d889017eeb,nop,nop>");
        assertEquals(Action.Direction.INBOUND, p.direction());
        assertEquals(new Action.IpInfo(Action.IpInfo.Check.ECN, Action.IpInfo.ECT_0), p.ip());
        assertEquals(Skb.SYN | Skb.ECE | Skb.CWR, p.flags());
        assertEquals(0, p.seq());
        assertEquals(10, p.payload());
        assertEquals(5, p.ack());
        assertEquals(32792, p.window());
        assertEquals(List.of(new TcpOption.Mss(1460), new TcpOption.SackPermitted(), new TcpOption.Timestamp(1, 0),
            new TcpOption.Nop(), new TcpOption.WindowScale(7), new TcpOption.FastOpen("3021b9d889017eeb"),
            new TcpOption.Nop(), new TcpOption.Nop()), p.options());
        assertEquals(List.of(new TcpOption.Nop(), new TcpOption.Nop(),
            new TcpOption.Sack(List.of(new TcpOption.SackBlock(1, 2), new TcpOption.SackBlock(3, 4)))),
            ((Action.TcpPacket) only("0 < . 1:1(0) ack 1 win 257 <nop,nop,sack 1:2 3:4>")).options());
        assertEquals(List.of(new TcpOption.Eol(), new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.Nop()),
            ((Action.TcpPacket) only("0 > . 1:1(0) ack 1 <eol,nop,nop,nop>")).options());

        int[] expected = {Skb.SYN, Skb.SYN | Skb.ACK, Skb.ACK, Skb.PSH | Skb.ACK, Skb.FIN | Skb.ACK, Skb.RST | Skb.ACK,
            Skb.RST, Skb.SYN | Skb.ECE | Skb.ACK, Skb.SYN | Skb.FIN | Skb.ACK, Skb.FIN | Skb.PSH | Skb.ACK,
            Skb.SYN | Skb.RST, 0};
        String[] written = {"S", "S.", ".", "P.", "F.", "R.", "R", "SE.", "SF.", "FP.", "SR", "-"};
        for (int k = 0; k < written.length; k++) {
            Action.TcpPacket q = (Action.TcpPacket) only("0 > " + written[k] + " 0:0(0) ack 1");
            assertEquals(expected[k], q.flags(), written[k]);
            assertEquals(-1, q.window(), "an outbound window is not checked unless written");
        }
        Action.TcpPacket tos = (Action.TcpPacket) only("0 > (tos 0x10) . 1:1(0) ack 1 <...>");
        assertEquals(new Action.IpInfo(Action.IpInfo.Check.TOS, 0x10), tos.ip());
        assertNull(tos.options(), "<...> leaves the options unchecked");
    }

    @Test
    void fastOpenCookiesWithAndWithoutValueAndThroughDefines() throws Exception {
        Action.TcpPacket p = (Action.TcpPacket) only("0 > S 0:0(0) <FO,nop,nop,FOEXP,FOEXP TFO_COOKIE,FO 00000000,nop,nop>");
        assertEquals(List.of(new TcpOption.FastOpen(""), new TcpOption.Nop(), new TcpOption.Nop(),
            new TcpOption.FastOpenExp(""), new TcpOption.FastOpenExp("3021b9d889017eeb"),
            new TcpOption.FastOpen("00000000"), new TcpOption.Nop(), new TcpOption.Nop()), p.options());
        Script s = ScriptParser.parse("t.pkt", "0 > S 0:0(0) <FO TFO_COOKIE,nop,nop>", Map.of("TFO_COOKIE", "abcd1234"));
        assertEquals(new TcpOption.FastOpen("abcd1234"), ((Action.TcpPacket) s.events().get(0).action()).options().get(0));
    }

    @Test
    void icmpLines() throws Exception {
        Action.IcmpPacket i = (Action.IcmpPacket) only("0 < icmp unreachable CODE");
        assertEquals(3, i.type());
        assertEquals(1, i.code(), "CODE is host_unreachable, as the upstream runner defines it");
        Action.IcmpPacket j = (Action.IcmpPacket) only("0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]");
        assertEquals(4, j.code());
        assertEquals(1200, j.mtu());
        assertEquals(1, j.echoedSeq());
        assertEquals(1460, j.echoedPayload());
    }

    @Test
    void systemCallArgumentForms() throws Exception {
        Action.SyscallSpec poll = (Action.SyscallSpec) only("0 poll([{fd=3,\n   events=POLLIN|POLLOUT,\n"
            + "   revents=POLLOUT}], 1, 100) = 1");
        assertEquals(new Expr.ListOf(List.of(new Expr.StructOf(List.of(
            new Expr.Named("fd", List.of(), new Expr.Int(3)),
            new Expr.Named("events", List.of(), new Expr.Or(new Expr.Word("POLLIN"), new Expr.Word("POLLOUT"))),
            new Expr.Named("revents", List.of(), new Expr.Word("POLLOUT")))))), poll.args().get(0));

        Action.SyscallSpec key = (Action.SyscallSpec) only("0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "
            + "\"\\x01\\x02\"\n \"\\xff\", 16) = 0");
        assertEquals(new Expr.Str("\\x01\\x02\\xff"), key.args().get(3), "adjacent strings concatenate");

        Action.SyscallSpec msg = (Action.SyscallSpec) only("0 sendmsg(4, {msg_name(...)=...,\n"
            + " msg_iov(1)=[{..., 1000}], msg_flags=0}, MSG_FASTOPEN) = 1000");
        assertEquals(new Expr.StructOf(List.of(
            new Expr.Named("msg_name", List.of(new Expr.Ellipsis()), new Expr.Ellipsis()),
            new Expr.Named("msg_iov", List.of(new Expr.Int(1)),
                new Expr.ListOf(List.of(new Expr.StructOf(List.of(new Expr.Ellipsis(), new Expr.Int(1000)))))),
            new Expr.Named("msg_flags", List.of(), new Expr.Int(0)))), msg.args().get(1));

        Action.SyscallSpec linger = (Action.SyscallSpec) only("0 setsockopt(3, SOL_SOCKET, SO_LINGER, "
            + "{onoff=1, linger=0}, 8) = 0");
        assertEquals(new Expr.StructOf(List.of(new Expr.Named("onoff", List.of(), new Expr.Int(1)),
            new Expr.Named("linger", List.of(), new Expr.Int(0)))), linger.args().get(3));

        Action.SyscallSpec err = (Action.SyscallSpec) only("0 connect(3, ..., ...) = -1 EINPROGRESS (Operation is now in progress)");
        assertEquals(new Expr.Int(-1), err.result());
        assertEquals("EINPROGRESS", err.errno());
        assertEquals("Operation is now in progress", err.note());

        Action.SyscallSpec bare = (Action.SyscallSpec) only("0 read(4, NULL, 0x10) = -1");
        assertNull(bare.errno());
        assertEquals(List.of(new Expr.Int(4), new Expr.Word("NULL"), new Expr.Int(16)), bare.args());
    }

    @Test
    void malformedLinesNameFileLineColumnAndWhatWasExpected() {
        assertSyntaxError("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < Q 0:0(0) win 100\n",
            "t.pkt:2:6: expected TCP flags (such as S, S., ., P., F., R or -), found 'Q'");
        assertSyntaxError("0 socket(..., SOCK_STREAM IPPROTO_TCP) = 3\n",
            "t.pkt:1:27: expected ',' or ')' in the argument list of socket, found 'IPPROTO_TCP'");
        assertSyntaxError("0 > S. 0:0(0) ack 1 <mss 1460,wscale>\n",
            "t.pkt:1:37: expected window scale shift count, found '>'");
        assertSyntaxError("0 close(3)\n",
            "t.pkt:2:1: expected '=' and the expected result of close, found end of file");
        assertSyntaxError("0 close(3) = 0\nfoo\n",
            "t.pkt:2:1: expected event time or end of script, found 'foo'");
        assertSyntaxError("0 > S. 0:0 ack 1\n",
            "t.pkt:1:12: expected '(' in start:end(len), found 'ack'");
        assertSyntaxError("0 %{ assert 1\n",
            "t.pkt:1:3: expected '}%' closing the code block, found end of file");
        assertSyntaxError("\n",
            "t.pkt:2:1: expected event time (such as 0, +.1 or *), found end of file");
    }

    @Test
    void packetdrillSemanticRulesAreEnforced() {
        assertSyntaxError("0 < S 0:10(5) win 100\n",
            "t.pkt:1:7: semantic error: inconsistent TCP sequence numbers and payload size");
        assertSyntaxError("0 close(3) = 0\n+0~+1 close(3) = 0\n",
            "t.pkt:2:1: semantic error: event time range can only be used with outbound packets");
        assertSyntaxError("* close(3) = 0\n",
            "t.pkt:1:1: semantic error: event time <star> can only be used with outbound packets");
        assertSyntaxError("0 < S 0:0(0) win 100 <...>\n",
            "t.pkt:1:22: semantic error: <...> for TCP options can only be used with outbound packets");
        assertSyntaxError("0 < S 0:0(0)\n",
            "t.pkt:1:5: semantic error: window must be specified for inbound packets");
        assertSyntaxError("0 > S 0:0(0) <FO abc,nop>\n",
            "t.pkt:1:18: semantic error: TCP fast open cookie has an odd number of digits");
        assertSyntaxError("0 > S 0:0(0) <mss 1460,nop>\n",
            "t.pkt:1:14: semantic error: TCP options are not padded correctly to ensure TCP header is a multiple "
                + "of 4 bytes: 1 excess bytes");
        assertSyntaxError("0 < icmp unreachable NO_SUCH_CODE\n",
            "t.pkt:1:22: semantic error: bad ICMP code NO_SUCH_CODE");
    }
}
