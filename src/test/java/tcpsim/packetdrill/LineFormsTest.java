package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tcpsim.packetdrill.ScriptLexer.Kind;
import tcpsim.packetdrill.ScriptResult.Verdict;

/**
 * Upstream line forms beyond what the shared examples use (IPv6, ICMPv6, UDP, encapsulation,
 * AccECN, fuzzing): they parse, and the runner refuses them as not modelled.
 */
class LineFormsTest {

    private static Script parse(String text) throws PacketdrillSyntaxException {
        return ScriptParser.parse("t.pkt", text, RunSettings.UPSTREAM_DEFINES);
    }

    private static Action only(String line) throws PacketdrillSyntaxException {
        return parse("0 " + line + "\n").events().get(0).action();
    }

    private static String notModelled(String line) throws PacketdrillSyntaxException {
        return assertInstanceOf(Action.NotModelled.class, only(line)).what();
    }

    private static long timestampLines(Path p) throws Exception {
        return Files.readAllLines(p).stream().filter(l -> l.matches("\\s*(\\+?[0-9]*\\.?[0-9]+|\\*).*")).count();
    }

    @Test
    void everyCopiedUpstreamScriptParsesWithEveryEvent() throws Exception {
        List<Path> scripts = ProjectScripts.scripts("packetdrill-upstream");
        assertEquals(5, scripts.size());
        List<String> failures = new ArrayList<>();
        for (Path p : scripts) {
            try {
                assertEquals(timestampLines(p), ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES).events().size(),
                    p.toString());
            } catch (PacketdrillSyntaxException e) {
                failures.add(e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyLineFormTheReadmeAndGrammarListParses() throws Exception {
        Path p = ProjectScripts.dir("packetdrill-forms").resolve("every-line-form.pkt");
        Script s = ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES);
        assertEquals(timestampLines(p), s.events().size());
        assertEquals(4, s.options().size());
        assertEquals("fd3d:a0b:17d6::1", s.options().get(2).value());
        Map<String, Long> kinds = s.events().stream()
            .collect(Collectors.groupingBy(e -> e.action().getClass().getSimpleName(), Collectors.counting()));
        assertEquals(Map.of("SyscallSpec", 36L, "TcpPacket", 23L, "NotModelled", 21L, "IcmpPacket", 4L,
            "ShellCommand", 1L, "PythonCode", 2L), kinds);
        assertTrue(s.cleanup().command().startsWith("/tmp/sysctl_restore_"));
    }

    @Test
    void ipv6AddressesLexAsOneTokenButSequenceRangesDoNot() throws Exception {
        Function<String, List<Kind>> kinds = text -> {
            try {
                return new ScriptLexer("t", text, Map.of()).tokenize().stream().map(ScriptLexer.Token::kind).toList();
            } catch (PacketdrillSyntaxException e) {
                throw new AssertionError(e);
            }
        };
        for (String addr : List.of("::", "::1", "fd3d:fa7b:d17d::1", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1",
            "64:ff9b::192.0.2.1", "2::2222")) {
            assertEquals(List.of(Kind.IPV6, Kind.EOF), kinds.apply(addr), addr);
        }
        assertEquals(List.of(Kind.INTEGER, Kind.PUNCT, Kind.INTEGER, Kind.EOF), kinds.apply("1:1001"));
        assertEquals(List.of(Kind.WORD, Kind.INTEGER, Kind.PUNCT, Kind.INTEGER, Kind.EOF), kinds.apply("sack 1:2"));
        assertEquals(List.of(Kind.IPV6, Kind.PUNCT, Kind.EOF), kinds.apply("1::1111:"));
    }

    @Test
    void icmpv6LinesParseAsNotModelled() throws Exception {
        assertEquals("ICMPv6 packet_too_big", notModelled("< icmp packet_too_big mtu 1400 [0:1440(1440)]"));
        assertEquals("ICMPv6 unreachable", notModelled("< icmp unreachable no_route"));
        assertEquals("ICMPv6 time_exceeded", notModelled("< icmp time_exceeded exceeded_frag_time"));
        assertEquals("outbound ICMP", notModelled("> icmp unreachable port_unreachable"));
        assertEquals("ICMP echo id", notModelled("< icmp echo_request id 9"));
        assertEquals("ICMP quoting a udp packet", notModelled("< icmp unreachable [udp (8)]"));
        Action.IcmpPacket v4 = assertInstanceOf(Action.IcmpPacket.class,
            only("< icmp unreachable frag_needed mtu 1200 [1:11(10)]"));
        assertEquals(1200, v4.mtu());
        assertEquals(10, v4.echoedPayload());
    }

    @Test
    void otherUnmodelledPacketFormsNameWhatIsMissing() throws Exception {
        assertEquals("UDP", notModelled("< udp (100)"));
        assertEquals("IPv4 encapsulation", notModelled("< ipv4 2.2.2.2 > 1.1.1.1: . 1:1(0) ack 1 win 1"));
        assertEquals("IPv6 encapsulation", notModelled("> ipv6 1::1 > 2::2: gre: . 1:1(0) ack 1"));
        assertEquals("GRE encapsulation", notModelled("> gre: . 1:1(0) ack 1"));
        assertEquals("MPLS encapsulation", notModelled("> mpls (label 1, tc 0, ttl 1): . 1:1(0) ack 1"));
        assertEquals("AccECN AE flag", notModelled("< SEWA 0:0(0) win 1"));
        assertEquals("AccECN ACE field", notModelled("> S.3 0:0(0) ack 1"));
        assertEquals("AccECN option", notModelled("> . 1:1(0) ack 1 <ECN e0b 1 ceb 0 e1b 1,nop>"));
        assertEquals("IPv6 flow label", notModelled("> (flowlabel 0x1) R 0:0(0)"));
        assertEquals("IP TTL", notModelled("< (ttl 1) . 1:1(0) ack 1 win 1"));
        assertEquals("packet fuzzing", notModelled("< . 1:1(0) ack 1 win 1 {mut ip ihl}"));
    }

    @Test
    void upstreamSemanticChecksStillApplyToTheNewForms() {
        assertSyntaxError("0 < icmp no_such_type\n", "t.pkt:1:10: semantic error: bad ICMP type no_such_type");
        assertSyntaxError("0 < icmp echo_reply mtu 1\n", "t.pkt:1:21: semantic error: ICMP MTU is only valid for "
            + "unreachable-frag_needed (ICMPv4) or packet_too_big (ICMPv6)");
        assertSyntaxError("0 < (flowlabel 0x100000) . 1:1(0) ack 1 win 1\n",
            "t.pkt:1:16: semantic error: flowlabel out of range for 20 bits");
        assertSyntaxError("0 < [ect0] udp (1)\n", "t.pkt:1:12: semantic error: ECN can only be used with TCP packets");
        assertSyntaxError("0 < mpls (label 1048576, tc 0, ttl 1): . 1:1(0) ack 1 win 1\n",
            "t.pkt:1:17: semantic error: MPLS label out of range");
        assertSyntaxError("0 < ipv4 1.1.1.1 > 1::1: . 1:1(0) ack 1 win 1\n",
            "t.pkt:1:20: expected IPv4 address, found '1::1'");
    }

    private static void assertSyntaxError(String text, String message) {
        assertEquals(message, assertThrows(PacketdrillSyntaxException.class, () -> parse(text)).getMessage());
    }

    @Test
    void theRunnerRefusesAnUnmodelledLineBeforeItStartsTheBackend() throws Exception {
        Path p = ProjectScripts.dir("packetdrill-upstream").resolve("syn-data-icmp-unreach-frag-needed-with-seq-ipv6.pkt");
        FakeStack stack = new FakeStack();
        ScriptResult r = new ScriptRunner().run(ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES), stack);
        assertEquals(Verdict.ERROR, r.verdict());
        assertEquals(p + ":29: not modelled: ICMPv6 packet_too_big", r.failure().message());
        assertEquals(29, r.failure().line());
        assertEquals(null, stack.config, "the backend is not started for a script it cannot run");
    }

    @Test
    void anIpv6ScriptIsRefusedAsNotModelled() throws Exception {
        Path p = ProjectScripts.dir("packetdrill-upstream").resolve("tcp_advmss_pmtu_ipv6.pkt");
        ScriptResult r = new ScriptRunner().run(ScriptParser.parse(p, RunSettings.UPSTREAM_DEFINES), new FakeStack());
        assertEquals(Verdict.ERROR, r.verdict());
        assertEquals(p + ":6: not modelled: IPv6 (--ip_version=ipv6)", r.failure().message());
    }

    /** Found by the fuzzer (seed 20250611): a time past 2^63 µs threw ArithmeticException. */
    @Test
    void aTimeTooLargeForMicrosecondsIsASemanticError() {
        assertSyntaxError("0 close(3) = 0\n+99999999999999999999 close(3) = 0\n",
            "t.pkt:2:2: semantic error: time out of range: 99999999999999999999");
        assertSyntaxError("0 close(3) = 0\n9223372036854.775808 close(3) = 0\n",
            "t.pkt:2:1: semantic error: time out of range: 9223372036854.775808");
    }

    /** An invisible or line-breaking character in a script is named, not printed raw. */
    @Test
    void oddCharactersInAnErrorAreEscaped() throws Exception {
        assertSyntaxError("0 close(3) = 0\n+0 \u202e\n", "t.pkt:2:4: expected packet ('<' or '>'), system call, "
            + "`command` or %{ python }%, found '\\u202E'");
        assertSyntaxError("0 close(3) = 0\n+0 \u0000\n", "t.pkt:2:4: expected packet ('<' or '>'), system call, "
            + "`command` or %{ python }%, found '\\u0000'");
        assertEquals(1, parse("\ufeff0 close(3) = 0\n").events().size(), "a leading BOM is skipped");
    }

    /** Found by the fuzzer (seed 7): a window scale past 2^63 threw NumberFormatException; a negative one passed. */
    @Test
    void aWindowScaleOutOfRangeIsASemanticError() {
        assertSyntaxError("0 < S 0:0(0) win 1 <wscale 9223372036854775808,nop>\n",
            "t.pkt:1:28: semantic error: number out of range: 9223372036854775808");
        assertSyntaxError("0 < S 0:0(0) win 1 <wscale -1,nop>\n",
            "t.pkt:1:28: semantic error: window scale shift count out of range");
    }
}
