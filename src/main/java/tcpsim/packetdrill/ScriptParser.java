package tcpsim.packetdrill;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tcpsim.net.Icmp;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.packetdrill.Action.Direction;
import tcpsim.packetdrill.Action.IpInfo;
import tcpsim.packetdrill.ScriptLexer.Kind;
import tcpsim.packetdrill.ScriptLexer.Token;

/**
 * A recursive-descent parser for packetdrill scripts, following gtests/net/packetdrill/parser.y
 * rule by rule for the TCP and ICMP subset, including its semantic checks (time ranges only on
 * outbound packets, consistent {@code start:end(len)}, option lists padded to 4 bytes).
 */
public final class ScriptParser {

    /** include/uapi/linux/tcp.h: 40 bytes of options after the 20-byte header. */
    private static final int MAX_TCP_OPTION_BYTES = 40;

    /** IANA TCP option kind of AccECN Order 0 (RFC 9768). */
    private static final int KIND_ACCECN0 = 172;

    private final String file;
    private final List<Token> tokens;
    private int pos;
    /** How deep lists and structs may nest: far beyond any script, short of the Java stack. */
    private static final int MAX_NESTING = 64;
    private int depth;
    /** The first feature of the packet being parsed that no backend runs, or null. */
    private String notModelled;

    private ScriptParser(String file, List<Token> tokens) {
        this.file = file;
        this.tokens = tokens;
    }

    /** Parse a script file; {@code defines} are the {@code -D NAME=value} substitutions. */
    public static Script parse(Path path, Map<String, String> defines)
        throws IOException, PacketdrillSyntaxException {
        return parse(path.toString(), decode(path.toString(), Files.readAllBytes(path)), defines);
    }

    /** Script bytes as UTF-8; a byte that is not UTF-8 is a syntax error at its line and column. */
    static String decode(String file, byte[] bytes) throws PacketdrillSyntaxException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int bad = in.position(), line = 1, col = 1;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    col = 1;
                } else if ((bytes[i] & 0xc0) != 0x80) {
                    col++;
                }
            }
            throw new PacketdrillSyntaxException(file, line, col,
                String.format("invalid UTF-8 (byte 0x%02x)", bytes[bad] & 0xff));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** Parse script text; {@code file} names it in error messages. */
    public static Script parse(String file, String text, Map<String, String> defines)
        throws PacketdrillSyntaxException {
        List<Token> tokens = new ScriptLexer(file, text, defines).tokenize();
        return new ScriptParser(file, tokens).script();
    }

    // ---- script structure ----

    private Script script() throws PacketdrillSyntaxException {
        List<Script.HeaderOption> options = new ArrayList<>();
        while (peek().kind() == Kind.OPTION) {
            Token t = take();
            options.add(new Script.HeaderOption(t.text(), t.value(), t.line()));
        }
        Action.ShellCommand init = null;
        if (peek().kind() == Kind.BACKQUOTE) {
            Token t = take();
            init = new Action.ShellCommand(t.text(), t.line());
        }
        List<Event> events = new ArrayList<>();
        while (startsEventTime(peek())) events.add(event());
        if (events.isEmpty()) throw expected("event time (such as 0, +.1 or *)");
        Action.ShellCommand cleanup = null;
        if (peek().kind() == Kind.BACKQUOTE) {
            Token t = take();
            cleanup = new Action.ShellCommand(t.text(), t.line());
        }
        if (peek().kind() != Kind.EOF) throw expected("event time or end of script");
        return new Script(file, options, init, events, cleanup);
    }

    private static boolean startsEventTime(Token t) {
        return t.kind() == Kind.INTEGER || t.kind() == Kind.FLOAT || t.is('+') || t.is('*');
    }

    private Event event() throws PacketdrillSyntaxException {
        Token first = peek();
        EventTime time;
        if (first.is('*')) {
            take();
            time = new EventTime.AnyTime();
        } else if (first.is('+')) {
            take();
            long start = time();
            if (peek().is('~')) {
                take();
                expectPunct('+', "'+' (a relative range is written +a~+b)");
                time = new EventTime.RelativeRange(start, time());
            } else {
                time = new EventTime.Relative(start);
            }
        } else {
            long start = time();
            if (peek().is('~')) {
                take();
                time = new EventTime.AbsoluteRange(start, time());
            } else {
                time = new EventTime.Absolute(start);
            }
        }
        Action action = action();
        checkEventTime(first, time, action);
        return new Event(first.line(), time, action);
    }

    /** parser.y: the semantic checks in the {@code event} rule. */
    private void checkEventTime(Token at, EventTime time, Action action)
        throws PacketdrillSyntaxException {
        boolean outboundPacket = (action instanceof Action.TcpPacket p && p.direction() == Direction.OUTBOUND)
            || (action instanceof Action.IcmpPacket i && i.direction() == Direction.OUTBOUND)
            || (action instanceof Action.NotModelled n && n.direction() == Direction.OUTBOUND);
        if (time instanceof EventTime.AnyTime && !outboundPacket) {
            throw semantic(at, "event time <star> can only be used with outbound packets");
        }
        if ((time instanceof EventTime.AbsoluteRange || time instanceof EventTime.RelativeRange)
            && !outboundPacket) {
            throw semantic(at, "event time range can only be used with outbound packets");
        }
        long s = -1, e = -1;
        if (time instanceof EventTime.AbsoluteRange r) { s = r.startUsecs(); e = r.endUsecs(); }
        if (time instanceof EventTime.RelativeRange r) { s = r.startUsecs(); e = r.endUsecs(); }
        if (e < s) throw semantic(at, "time range is backwards");
    }

    /** parser.y {@code time}: seconds as an integer or decimal, to microseconds (truncated). */
    private long time() throws PacketdrillSyntaxException {
        Token t = peek();
        if (t.kind() != Kind.INTEGER && t.kind() != Kind.FLOAT) throw expected("time in seconds");
        take();
        BigDecimal secs = new BigDecimal(t.text());
        if (secs.signum() < 0) throw semantic(t, "negative time");
        try {
            return secs.movePointRight(6).setScale(0, RoundingMode.DOWN).longValueExact();
        } catch (ArithmeticException e) {
            throw semantic(t, "time out of range: " + t.text());
        }
    }

    private Action action() throws PacketdrillSyntaxException {
        Token t = peek();
        if (t.is('<') || t.is('>')) return packet();
        if (t.kind() == Kind.ELLIPSIS || (t.kind() == Kind.WORD && peek(1).is('('))) return syscall();
        if (t.kind() == Kind.BACKQUOTE) {
            take();
            return new Action.ShellCommand(t.text(), t.line());
        }
        if (t.kind() == Kind.CODE) {
            take();
            return new Action.PythonCode(t.text());
        }
        throw expected("packet ('<' or '>'), system call, `command` or %{ python }%");
    }

    // ---- packets ----

    private Action packet() throws PacketdrillSyntaxException {
        Token dirTok = take();
        Direction dir = dirTok.is('<') ? Direction.INBOUND : Direction.OUTBOUND;
        notModelled = null;
        packetPrefix();
        IpInfo ip = optIpInfo();
        if (peek().isWord("udp")) return udp(dir, ip);
        int srcPort = 0, dstPort = 0;
        if (peek().kind() == Kind.INTEGER && peek(1).is('>')) {
            srcPort = (int) u16(take(), "src port");
            take();
            dstPort = (int) u16(expect(Kind.INTEGER, "destination port"), "dst port");
        }
        if (peek().isWord("icmp")) return icmp(dir, ip);
        Token flagsTok = peek();
        int flags = flags();
        long[] seq = seq();
        long ack = 0;
        int window = -1;
        if (peek().isWord("ack")) {
            take();
            ack = u32(expect(Kind.INTEGER, "ack sequence number"), "TCP ack sequence number");
        }
        if (peek().isWord("win")) {
            take();
            window = (int) u16(expect(Kind.INTEGER, "window"), "TCP window value");
        }
        if (peek().isWord("urg")) {
            Token u = take();
            long urg = u16(expect(Kind.INTEGER, "urgent pointer"), "urg_ptr value");
            if (urg != 0) throw semantic(u, "a non-zero urgent pointer is not supported");
        }
        List<TcpOption> options = List.of();
        Token optTok = peek();
        if (optTok.is('<')) options = tcpOptions();
        if (peek().is('{')) fuzzInfo();
        if (options == null && dir == Direction.INBOUND) {
            throw semantic(optTok, "<...> for TCP options can only be used with outbound packets");
        }
        if (window < 0 && dir == Direction.INBOUND) {
            throw semantic(flagsTok, "window must be specified for inbound packets");
        }
        if (ip.check() == IpInfo.Check.ECT01 && dir == Direction.INBOUND) {
            throw semantic(dirTok, "[ect01] can only be used with outbound packets");
        }
        if (notModelled != null) return new Action.NotModelled(dir, notModelled);
        return new Action.TcpPacket(dir, ip, srcPort, dstPort, flags, seq[0], (int) seq[2], ack,
            window, options);
    }

    /** Notes the first feature of the packet being parsed that no backend runs. */
    private void notModelled(String what) {
        if (notModelled == null) notModelled = what;
    }

    /**
     * parser.y {@code packet_prefix}: outer headers before the packet itself, such as
     * {@code ipv4 2.2.2.2 > 1.1.1.1: gre: mpls (label 1, tc 0, [S], ttl 255):}.
     */
    private void packetPrefix() throws PacketdrillSyntaxException {
        while (true) {
            Token t = peek();
            if (t.isWord("ipv4") || t.isWord("ipv6")) {
                take();
                optIpInfo();
                Kind addr = t.text().equals("ipv4") ? Kind.IPV4 : Kind.IPV6;
                String what = t.text().equals("ipv4") ? "IPv4 address" : "IPv6 address";
                expect(addr, what);
                expectPunct('>', "'>' between the outer source and destination addresses");
                expect(addr, what);
                expectPunct(':', "':' after the outer IP header");
                notModelled(t.text().equals("ipv4") ? "IPv4 encapsulation" : "IPv6 encapsulation");
            } else if (t.isWord("gre") || t.isWord("GREv0")) {
                take();
                if (peek().is(',')) take();
                if (!peek().is(':')) greHeader();
                expectPunct(':', "':' after the GRE header");
                notModelled("GRE encapsulation");
            } else if (t.isWord("mpls")) {
                take();
                while (peek().is('(')) mplsEntry();
                expectPunct(':', "':' after the MPLS label stack");
                notModelled("MPLS encapsulation");
            } else {
                return;
            }
        }
    }

    /** parser.y {@code gre_header_expression}: flags, sum, off, key and seq, commas optional. */
    private void greHeader() throws PacketdrillSyntaxException {
        expectWord("flags", "GRE 'flags'");
        if (peek().is('[')) {
            take();
            do {
                Token f = expect(Kind.WORD, "GRE flag (none, checksum present, key present, sequence# present)");
                if (f.text().equals("sequence")) expectPunct('#', "'#' in sequence# present");
                if (!f.text().equals("none")) {
                    if (!List.of("checksum", "key", "sequence").contains(f.text())) {
                        throw expectedAt(f, "GRE flag (none, checksum present, key present, sequence# present)");
                    }
                    expectWord("present", "'present' after the GRE flag");
                }
            } while (accept(','));
            expectPunct(']', "']' closing the GRE flags");
        } else {
            anyInt("GRE flags");
        }
        optComma();
        expectWord("sum", "GRE 'sum'");
        anyInt("GRE checksum");
        optComma();
        expectWord("off", "GRE 'off'");
        anyInt("GRE offset");
        optComma();
        expectWord("key", "GRE 'key'");
        if (peek().is('=')) take();
        anyInt("GRE key");
        optComma();
        expectWord("seq", "GRE 'seq'");
        anyInt("GRE sequence number");
    }

    /** parser.y {@code mpls_stack_entry}: {@code (label N, tc N, [S], ttl N)}. */
    private void mplsEntry() throws PacketdrillSyntaxException {
        take();
        expectWord("label", "'label' in an MPLS entry");
        Token label = expect(Kind.INTEGER, "MPLS label");
        if (parseLong(label, label.text(), 10) < 0 || parseLong(label, label.text(), 10) > 0xfffff) {
            throw semantic(label, "MPLS label out of range");
        }
        expectPunct(',', "',' after the MPLS label");
        expectWord("tc", "'tc' in an MPLS entry");
        Token tc = expect(Kind.INTEGER, "MPLS traffic class");
        if (parseLong(tc, tc.text(), 10) < 0 || parseLong(tc, tc.text(), 10) > 7) {
            throw semantic(tc, "MPLS traffic class out of range");
        }
        expectPunct(',', "',' after the MPLS traffic class");
        if (peek().is('[')) {
            take();
            Token bottom = expect(Kind.WORD, "[S] for MPLS label stack bottom");
            if (!bottom.text().equals("S")) throw semantic(bottom, "expected [S] for MPLS label stack bottom");
            expectPunct(']', "']' after [S");
            expectPunct(',', "',' after [S]");
        }
        expectWord("ttl", "'ttl' in an MPLS entry");
        Token ttl = expect(Kind.INTEGER, "MPLS TTL");
        if (parseLong(ttl, ttl.text(), 10) < 0 || parseLong(ttl, ttl.text(), 10) > 255) {
            throw semantic(ttl, "MPLS TTL out of range");
        }
        expectPunct(')', "')' closing the MPLS entry");
    }

    /** parser.y {@code opt_fuzz_info}: {@code {mut ip ihl; trun tcp 4 2}}. */
    private void fuzzInfo() throws PacketdrillSyntaxException {
        take();
        do {
            Token type = expect(Kind.WORD, "fuzz type (mut, trun or ins)");
            if (!List.of("mut", "trun", "ins").contains(type.text())) throw expectedAt(type, "fuzz type (mut, trun or ins)");
            Token header = expect(Kind.WORD, "fuzzed header (ip or tcp)");
            if (!List.of("ip", "tcp").contains(header.text())) throw expectedAt(header, "fuzzed header (ip or tcp)");
            if (peek().isWord("mss") || peek().isWord("ihl") || peek().isWord("source_port")) {
                take();
            } else {
                expect(Kind.INTEGER, "fuzzed field (mss, ihl, source_port, N-M or N M)");
                if (peek().is('-')) take();
                expect(Kind.INTEGER, "end of the fuzzed byte range");
            }
        } while (accept(';'));
        expectPunct('}', "';' or '}' in the fuzz list");
        notModelled("packet fuzzing");
    }

    /** parser.y {@code udp_packet_spec}: {@code udp [src>dst] (len)}. */
    private Action udp(Direction dir, IpInfo ip) throws PacketdrillSyntaxException {
        Token u = take();
        if (ip.check() == IpInfo.Check.ECN) throw semantic(u, "ECN can only be used with TCP packets");
        if (peek().kind() == Kind.INTEGER && peek(1).is('>')) {
            u16(take(), "src port");
            take();
            u16(expect(Kind.INTEGER, "destination port"), "dst port");
        }
        expectPunct('(', "'(' before the UDP payload length");
        u16(expect(Kind.INTEGER, "UDP payload length"), "UDP payload size");
        expectPunct(')', "')' after the UDP payload length");
        notModelled("UDP");
        return new Action.NotModelled(dir, notModelled);
    }

    private void optComma() {
        accept(',');
    }

    /** Takes the punctuation {@code c} if it comes next. */
    private boolean accept(char c) {
        if (!peek().is(c)) return false;
        take();
        return true;
    }

    private long anyInt(String what) throws PacketdrillSyntaxException {
        Token t = peek();
        if (t.kind() == Kind.INTEGER) return parseLong(take(), t.text(), 10);
        if (t.kind() == Kind.HEX) return parseLong(take(), t.text().substring(2), 16);
        throw expected(what);
    }

    /**
     * parser.y {@code opt_ip_info}: {@code [ect0]}, {@code (tos 0x10)}, {@code (flowlabel 0x1)},
     * {@code (ttl 64)}, {@code [ect0, flowlabel 0x1]} and friends.
     */
    private IpInfo optIpInfo() throws PacketdrillSyntaxException {
        Token open = peek();
        if (!open.is('[') && !open.is('(')) return IpInfo.UNCHECKED;
        take();
        char close = open.is('[') ? ']' : ')';
        String what = "IP info (noecn, ect0, ect1, ce, ect01, tos 0xNN, flowlabel 0xNNNNN or ttl N)";
        Token w = expect(Kind.WORD, what);
        IpInfo info = switch (w.text()) {
            case "noecn" -> new IpInfo(IpInfo.Check.ECN, IpInfo.NOT_ECT);
            case "ect0" -> new IpInfo(IpInfo.Check.ECN, IpInfo.ECT_0);
            case "ect1" -> new IpInfo(IpInfo.Check.ECN, IpInfo.ECT_1);
            case "ce" -> new IpInfo(IpInfo.Check.ECN, IpInfo.CE);
            case "ect01" -> new IpInfo(IpInfo.Check.ECT01, 0);
            case "tos" -> {
                Token v = expect(Kind.HEX, "hex TOS byte such as 0x10");
                long tos = parseLong(v, v.text().substring(2), 16);
                if (tos > 0xff) throw semantic(v, "tos out of range for 8 bits");
                yield new IpInfo(IpInfo.Check.TOS, (int) tos);
            }
            case "flowlabel" -> {
                flowLabel(w);
                yield IpInfo.UNCHECKED;
            }
            case "ttl" -> {
                Token v = expect(Kind.INTEGER, "TTL");
                if (parseLong(v, v.text(), 10) < 0 || parseLong(v, v.text(), 10) > 0xff) throw semantic(v, "ttl out of range");
                notModelled("IP TTL");
                yield IpInfo.UNCHECKED;
            }
            default -> throw expectedAt(w, what);
        };
        if (info != IpInfo.UNCHECKED && peek().is(',')) {
            take();
            flowLabel(expectWord("flowlabel", "'flowlabel' after ','"));
        }
        expectPunct(close, "'" + close + "'");
        return info;
    }

    /** parser.y {@code flow_label}: the word is taken, the 20-bit hex value follows. */
    private void flowLabel(Token word) throws PacketdrillSyntaxException {
        Token v = expect(Kind.HEX, "hex flow label such as 0x12345");
        if (parseLong(v, v.text().substring(2), 16) > 0xfffff) throw semantic(v, "flowlabel out of range for 20 bits");
        notModelled("IPv6 flow label");
    }

    /**
     * parser.y {@code flags}: a word of F S R P U E W A (A is AccECN's AE), then '.' or an AccECN
     * ACE count written as a decimal ({@code S.1}, {@code .5}); or '.', or '-'.
     */
    private int flags() throws PacketdrillSyntaxException {
        Token t = peek();
        String what = "TCP flags (such as S, S., ., P., F., R or -)";
        if (t.is('.')) {
            take();
            return Skb.ACK;
        }
        if (t.is('-')) {
            take();
            return 0;
        }
        if (t.kind() == Kind.FLOAT && t.text().startsWith(".")) {
            take();
            notModelled("AccECN ACE field");
            return Skb.ACK;
        }
        if (t.kind() != Kind.WORD) throw expected(what);
        take();
        int flags = 0;
        for (char c : t.text().toCharArray()) {
            switch (c) {
                case 'F' -> flags |= Skb.FIN;
                case 'S' -> flags |= Skb.SYN;
                case 'R' -> flags |= Skb.RST;
                case 'P' -> flags |= Skb.PSH;
                case 'U' -> flags |= Skb.URG;
                case 'E' -> flags |= Skb.ECE;
                case 'W' -> flags |= Skb.CWR;
                case 'A' -> notModelled("AccECN AE flag");
                default -> throw expectedAt(t, what);
            }
        }
        if (peek().is('.')) {
            take();
            flags |= Skb.ACK;
        } else if (peek().kind() == Kind.FLOAT && peek().text().startsWith(".")) {
            take();
            notModelled("AccECN ACE field");
            flags |= Skb.ACK;
        }
        return flags;
    }

    /** parser.y {@code seq}: {@code start:end(len)}; returns {start, end, len}. */
    private long[] seq() throws PacketdrillSyntaxException {
        Token startTok = peek();
        long start = u32(expect(Kind.INTEGER, "sequence range start:end(len)"),
            "TCP start sequence number");
        expectPunct(':', "':' in start:end(len)");
        long end = u32(expect(Kind.INTEGER, "sequence range end"), "TCP end sequence number");
        expectPunct('(', "'(' in start:end(len)");
        long len = u16(expect(Kind.INTEGER, "payload length"), "TCP payload size");
        expectPunct(')', "')' in start:end(len)");
        if (end != start + len) {
            throw semantic(startTok, "inconsistent TCP sequence numbers and payload size");
        }
        return new long[] {start, end, len};
    }

    /** parser.y {@code opt_tcp_options}; null means {@code <...>}. */
    private List<TcpOption> tcpOptions() throws PacketdrillSyntaxException {
        Token open = take();
        if (peek().kind() == Kind.ELLIPSIS) {
            take();
            expectPunct('>', "'>' after <...");
            return null;
        }
        List<TcpOption> list = new ArrayList<>();
        list.add(tcpOption());
        while (peek().is(',')) {
            take();
            list.add(tcpOption());
        }
        expectPunct('>', "',' or '>' in the TCP option list");
        int bytes = 0;
        for (TcpOption o : list) bytes += o.length();
        if (bytes > MAX_TCP_OPTION_BYTES) throw semantic(open, "TCP option list too long");
        if ((bytes & 3) != 0) {
            throw semantic(open, "TCP options are not padded correctly to ensure TCP header is a "
                + "multiple of 4 bytes: " + (bytes & 3) + " excess bytes");
        }
        return list;
    }

    private TcpOption tcpOption() throws PacketdrillSyntaxException {
        String what = "TCP option (nop, eol, mss, wscale, sackOK, sack, TS, FO, FOEXP, md5 or ECN)";
        Token t = peek();
        if (t.kind() != Kind.WORD) throw expected(what);
        take();
        switch (t.text()) {
            case "nop":
                return new TcpOption.Nop();
            case "eol":
                return new TcpOption.Eol();
            case "mss":
                return new TcpOption.Mss((int) u16(expect(Kind.INTEGER, "mss value"), "mss value"));
            case "wscale": {
                Token v = expect(Kind.INTEGER, "window scale shift count");
                long shift = parseLong(v, v.text(), 10);
                if (shift < 0 || shift > 255) throw semantic(v, "window scale shift count out of range");
                return new TcpOption.WindowScale((int) shift);
            }
            case "sackOK":
                return new TcpOption.SackPermitted();
            case "sack": {
                List<TcpOption.SackBlock> blocks = new ArrayList<>();
                do {
                    long left = u32(expect(Kind.INTEGER, "SACK block left:right"),
                        "TCP SACK left sequence number");
                    expectPunct(':', "':' in SACK block left:right");
                    long right = u32(expect(Kind.INTEGER, "SACK block right edge"),
                        "TCP SACK right sequence number");
                    blocks.add(new TcpOption.SackBlock((int) left, (int) right));
                } while (peek().kind() == Kind.INTEGER);
                return new TcpOption.Sack(blocks);
            }
            case "TS": {
                expectWord("val", "'val' in TS val N ecr N");
                long val = u32(expect(Kind.INTEGER, "TS val"), "ts val");
                expectWord("ecr", "'ecr' in TS val N ecr N");
                long ecr = u32(expect(Kind.INTEGER, "TS ecr"), "ecr val");
                return new TcpOption.Timestamp((int) val, (int) ecr);
            }
            case "FO":
                return new TcpOption.FastOpen(cookie(false));
            case "FOEXP":
                return new TcpOption.FastOpenExp(cookie(true));
            case "ECN": {
                // The kernel selftests' AccECN option: up to three of e0b, ceb, e1b with 24-bit counts.
                StringBuilder fields = new StringBuilder();
                while (peek().isWord("e0b") || peek().isWord("ceb") || peek().isWord("e1b")) {
                    take();
                    Token v = expect(Kind.INTEGER, "AccECN byte count");
                    long n = parseLong(v, v.text(), 10);
                    if (n < 0 || n > 0xffffff) throw semantic(v, "AccECN byte count out of range for 24 bits");
                    fields.append(String.format("%06x", n));
                }
                if (fields.length() > 18) throw semantic(t, "AccECN option has more than three counters");
                notModelled("AccECN option");
                return new TcpOption.Unknown(KIND_ACCECN0, fields.toString());
            }
            case "md5": {
                Token v = peek();
                if (v.kind() != Kind.WORD && v.kind() != Kind.INTEGER) throw expected("MD5 digest in hex");
                take();
                if (!v.text().matches("([0-9a-fA-F]{2}){0,16}")) {
                    throw semantic(v, "TCP MD5 digest is not a valid hex string");
                }
                return new TcpOption.Unknown(TcpOption.KIND_MD5, v.text().toLowerCase());
            }
            default:
                throw expectedAt(t, what);
        }
    }

    /** parser.y {@code opt_tcp_fast_open_cookie} and new_tcp_fast_open_option's checks. */
    private String cookie(boolean exp) throws PacketdrillSyntaxException {
        Token v = peek();
        if (v.kind() != Kind.WORD && v.kind() != Kind.INTEGER) return "";
        take();
        String hex = v.text();
        if ((hex.length() & 1) != 0) throw semantic(v, "TCP fast open cookie has an odd number of digits");
        int max = MAX_TCP_OPTION_BYTES - (exp ? 4 : 2);
        if (hex.length() / 2 > max) {
            throw semantic(v, "TCP fast open cookie of " + hex.length() / 2
                + " bytes exceeds maximum cookie length of " + max + " bytes");
        }
        if (!hex.matches("[0-9a-fA-F]*")) {
            throw semantic(v, "TCP fast open cookie '" + hex + "' is not a valid hex string");
        }
        return hex.toLowerCase();
    }

    // ---- ICMP ----

    private static final Map<String, Integer> ICMP_TYPES = Map.ofEntries(
        Map.entry("echo_reply", 0), Map.entry("unreachable", Icmp.DEST_UNREACH),
        Map.entry("source_quench", 4), Map.entry("redirect", 5), Map.entry("echo_request", 8),
        Map.entry("time_exceeded", Icmp.TIME_EXCEEDED), Map.entry("parameter_problem", 12),
        Map.entry("timestamp_request", 13), Map.entry("timestamp_reply", 14),
        Map.entry("information_request", 15), Map.entry("information_reply", 16),
        Map.entry("address_mask_request", 17), Map.entry("address_mask_reply", 18));

    /** icmp_packet.c: icmpv4_unreachable_codes. */
    private static final Map<String, Integer> UNREACH_CODES = Map.ofEntries(
        Map.entry("net_unreachable", Icmp.NET_UNREACH), Map.entry("host_unreachable", Icmp.HOST_UNREACH),
        Map.entry("protocol_unreachable", Icmp.PROT_UNREACH), Map.entry("port_unreachable", Icmp.PORT_UNREACH),
        Map.entry("frag_needed", Icmp.FRAG_NEEDED), Map.entry("source_route_failed", 5),
        Map.entry("net_unknown", Icmp.NET_UNKNOWN), Map.entry("host_unknown", Icmp.HOST_UNKNOWN),
        Map.entry("source_host_isolated", 8), Map.entry("net_prohibited", Icmp.NET_ANO),
        Map.entry("host_prohibited", Icmp.HOST_ANO), Map.entry("net_unreachable_for_tos", 11),
        Map.entry("host_unreachable_for_tos", 12), Map.entry("packet_filtered", Icmp.PKT_FILTERED),
        Map.entry("precedence_violation", 14), Map.entry("precedence_cutoff", 15));

    /** icmp_packet.c: icmpv6_types, with their code tables. */
    private static final Map<String, Integer> ICMPV6_TYPES = Map.of(
        "unreachable", 1, "packet_too_big", 2, "time_exceeded", 3, "parameter_problem", 4,
        "echo_request", 128, "echo_reply", 129);

    private static final Map<String, Map<String, Integer>> ICMPV6_CODES = Map.of(
        "unreachable", Map.of("net_unreachable", 0, "no_route", 0, "admin_prohibited", 1, "not_neighbour", 2,
            "address_unreachable", 3, "port_unreachable", 4),
        "time_exceeded", Map.of("exceeded_hop_limit", 0, "exceeded_frag_time", 1),
        "parameter_problem", Map.of("header_field", 0, "unknown_next_header", 1, "unknown_option", 2));

    /**
     * parser.y {@code icmp_packet_spec}, with icmp_packet.c's type and code names. packetdrill
     * reads the names in the script's address family; a script is parsed here before its family is
     * known, so a line is accepted if it is valid ICMPv4 or valid ICMPv6. ICMPv4 becomes an
     * {@link Action.IcmpPacket}; ICMPv6 and everything the backends do not inject (outbound ICMP,
     * echo ids, quoted UDP or raw payloads) a {@link Action.NotModelled}.
     */
    private Action icmp(Direction dir, IpInfo ip) throws PacketdrillSyntaxException {
        take();
        if (ip.check() == IpInfo.Check.ECT01 && dir == Direction.INBOUND) {
            throw semantic(peek(), "[ect01] can only be used with outbound packets");
        }
        Token typeTok = expect(Kind.WORD, "ICMP type (such as unreachable)");
        String typeName = typeTok.text();
        Integer type4 = ICMP_TYPES.get(typeName);
        Integer type6 = ICMPV6_TYPES.get(typeName);
        if (typeName.matches("type_[0-9]{1,3}")) type4 = type6 = Integer.parseInt(typeName.substring(5));
        if ((type4 == null || type4 > 255) && (type6 == null || type6 > 255)) {
            throw semantic(typeTok, "bad ICMP type " + typeName);
        }
        Integer code4 = 0, code6 = 0;
        StringBuilder text = new StringBuilder("icmp ").append(typeName);
        Token codeTok = peek();
        if (codeTok.kind() == Kind.WORD && !codeTok.isWord("mtu") && !codeTok.isWord("id")) {
            take();
            String c = codeTok.text();
            if (c.matches("code_[0-9]{1,3}")) {
                code4 = code6 = Integer.parseInt(c.substring(5));
            } else {
                code4 = Integer.valueOf(Icmp.DEST_UNREACH).equals(type4) ? UNREACH_CODES.get(c) : null;
                code6 = ICMPV6_CODES.getOrDefault(typeName, Map.of()).get(c);
            }
            if ((code4 == null || code4 > 255) && (code6 == null || code6 > 255)) {
                throw semantic(codeTok, "bad ICMP code " + c);
            }
            text.append(' ').append(c);
        }
        boolean v4 = type4 != null && type4 <= 255 && code4 != null && code4 <= 255;
        int mtu = -1;
        if (peek().isWord("mtu")) {
            Token m = take();
            Token v = expect(Kind.INTEGER, "ICMP MTU");
            long value = parseLong(v, v.text(), 10);
            boolean fragNeeded = v4 && type4 == Icmp.DEST_UNREACH && code4 == Icmp.FRAG_NEEDED;
            boolean tooBig = Integer.valueOf(2).equals(type6) && Integer.valueOf(0).equals(code6);
            if (!fragNeeded && !tooBig) {
                throw semantic(m, "ICMP MTU is only valid for unreachable-frag_needed (ICMPv4) "
                    + "or packet_too_big (ICMPv6)");
            }
            if (fragNeeded && value >= 0 && value <= 0xffff) {
                mtu = (int) value;
            } else if (tooBig && value >= 0 && value <= 0xffffffffL) {
                v4 = false;
            } else {
                throw semantic(v, "ICMP MTU out of range");
            }
            text.append(" mtu ").append(value);
        }
        String unmodelled = v4 ? null : "ICMPv6 " + typeName;
        if (peek().isWord("id")) {
            take();
            Token i = expect(Kind.INTEGER, "ICMP echo id");
            long id = parseLong(i, i.text(), 10);
            if (id < 0 || id > 0xffff) throw semantic(i, "invalid echo_id, must be between 0 and 65535");
            if (unmodelled == null) unmodelled = "ICMP echo id";
        }
        long echoedSeq = 0;
        int echoedLen = 0;
        if (peek().is('[')) {
            take();
            if (peek().isWord("udp") || peek().isWord("raw")) {
                Token what = take();
                expectPunct('(', "'(' before the quoted payload length");
                u16(expect(Kind.INTEGER, "quoted payload length"), "quoted payload size");
                expectPunct(')', "')' after the quoted payload length");
                if (unmodelled == null) unmodelled = "ICMP quoting a " + what.text() + " packet";
            } else {
                long[] seq = seq();
                echoedSeq = seq[0];
                echoedLen = (int) seq[2];
                text.append(" [").append(seq[0]).append(':').append(seq[1]).append('(').append(seq[2]).append(")]");
            }
            expectPunct(']', "']' after the quoted packet");
        }
        if (unmodelled == null && dir == Direction.OUTBOUND) unmodelled = "outbound ICMP";
        if (unmodelled == null) unmodelled = notModelled;
        if (unmodelled != null) return new Action.NotModelled(dir, unmodelled);
        return new Action.IcmpPacket(dir, ip, type4, code4, mtu, echoedSeq, echoedLen, text.toString());
    }

    // ---- system calls ----

    private Action syscall() throws PacketdrillSyntaxException {
        Long end = null;
        if (peek().kind() == Kind.ELLIPSIS) {
            take();
            end = time();
        }
        Token name = expect(Kind.WORD, "system call name");
        expectPunct('(', "'(' after the system call name");
        List<Expr> args = new ArrayList<>();
        if (!peek().is(')')) args = exprList();
        expectPunct(')', "',' or ')' in the argument list of " + name.text());
        expectPunct('=', "'=' and the expected result of " + name.text());
        Expr result = expr();
        String errno = null;
        // An errno is written on the result's line; a word on a later line is not part of this call.
        if (peek().kind() == Kind.WORD && peek().line() == tokens.get(pos - 1).line()) errno = take().text();
        String note = null;
        if (peek().is('(')) note = note();
        return new Action.SyscallSpec(name.text(), args, end, result, errno, note);
    }

    /** parser.y {@code note}: {@code (Operation now in progress)}, not checked. */
    private String note() throws PacketdrillSyntaxException {
        Token open = take();
        StringBuilder b = new StringBuilder();
        while (!peek().is(')')) {
            Token t = peek();
            if (t.kind() == Kind.EOF || t.line() != open.line()) throw expected("')' closing the errno text");
            take();
            if (b.length() > 0) b.append(' ');
            b.append(t.text());
        }
        take();
        return b.toString();
    }

    private List<Expr> exprList() throws PacketdrillSyntaxException {
        List<Expr> list = new ArrayList<>();
        list.add(expr());
        while (peek().is(',')) {
            take();
            list.add(expr());
        }
        return list;
    }

    private Expr expr() throws PacketdrillSyntaxException {
        Expr e = primary();
        while (peek().is('|')) {
            take();
            e = new Expr.Or(e, primary());
        }
        return e;
    }

    private Expr primary() throws PacketdrillSyntaxException {
        Token t = peek();
        if (++depth > MAX_NESTING) throw semantic(t, "expression nested more than " + MAX_NESTING + " deep");
        try {
            return primaryInner(t);
        } finally {
            depth--;
        }
    }

    private Expr primaryInner(Token t) throws PacketdrillSyntaxException {
        switch (t.kind()) {
            case ELLIPSIS:
                take();
                return new Expr.Ellipsis();
            case INTEGER:
                take();
                return new Expr.Int(parseLong(t, t.text(), 10));
            case HEX:
                take();
                return new Expr.Int(parseLong(t, t.text().substring(2), 16));
            case STRING: {
                StringBuilder raw = new StringBuilder();
                while (peek().kind() == Kind.STRING) raw.append(take().text());
                if (peek().kind() == Kind.ELLIPSIS) take();
                return new Expr.Str(raw.toString());
            }
            case WORD: {
                take();
                List<Expr> params = List.of();
                boolean call = false;
                if (peek().is('(')) {
                    take();
                    call = true;
                    params = peek().is(')') ? List.of() : exprList();
                    expectPunct(')', "',' or ')' after the arguments of " + t.text());
                }
                if (peek().is('=')) {
                    take();
                    return new Expr.Named(t.text(), params, expr());
                }
                return call ? new Expr.Call(t.text(), params) : new Expr.Word(t.text());
            }
            case PUNCT:
                if (t.is('[')) {
                    take();
                    List<Expr> items = peek().is(']') ? List.of() : exprList();
                    expectPunct(']', "',' or ']' in the list");
                    return new Expr.ListOf(items);
                }
                if (t.is('{') && (peek(1).is('(') || (peek(1).isWord("flags") && !peek(2).is('=')))) {
                    // parser.y mpls_stack_expression and gre_header_expression: tunnel headers as
                    // values, parsed for their syntax; no system call here takes them, so a run
                    // reports them as a bad argument.
                    take();
                    String kind = peek().is('(') ? "mpls_stack" : "gre_header";
                    if (kind.equals("gre_header")) {
                        greHeader();
                    } else {
                        while (peek().is('(')) mplsEntry();
                    }
                    expectPunct('}', "'}' closing the " + kind.replace('_', ' '));
                    return new Expr.Call(kind, List.of());
                }
                if (t.is('{')) {
                    take();
                    List<Expr> items = peek().is('}') ? List.of() : exprList();
                    expectPunct('}', "',' or '}' in the struct");
                    return new Expr.StructOf(items);
                }
                break;
            default:
                break;
        }
        throw expected("expression (number, symbol, ..., \"string\", [list] or {struct})");
    }

    private long parseLong(Token t, String digits, int radix) throws PacketdrillSyntaxException {
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw semantic(t, "number out of range: " + t.text());
        }
    }

    // ---- token helpers ----

    private Token peek() { return peek(0); }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token take() {
        Token t = peek();
        if (pos < tokens.size() - 1) pos++;
        return t;
    }

    private Token expect(Kind kind, String what) throws PacketdrillSyntaxException {
        if (peek().kind() != kind) throw expected(what);
        return take();
    }

    private void expectPunct(char c, String what) throws PacketdrillSyntaxException {
        if (!peek().is(c)) throw expected(what);
        take();
    }

    private Token expectWord(String w, String what) throws PacketdrillSyntaxException {
        if (!peek().isWord(w)) throw expected(what);
        return take();
    }

    private long u32(Token t, String what) throws PacketdrillSyntaxException {
        long v = parseLong(t, t.text(), 10);
        if (v < 0 || v > 0xffffffffL) throw semantic(t, what + " out of range");
        return v;
    }

    private long u16(Token t, String what) throws PacketdrillSyntaxException {
        long v = parseLong(t, t.text(), 10);
        if (v < 0 || v > 0xffff) throw semantic(t, what + " out of range");
        return v;
    }

    private PacketdrillSyntaxException expected(String what) {
        return expectedAt(peek(), what);
    }

    private PacketdrillSyntaxException expectedAt(Token t, String what) {
        return new PacketdrillSyntaxException(file, t.line(), t.col(), "expected " + what + ", found " + t.describe());
    }

    private PacketdrillSyntaxException semantic(Token t, String what) {
        return new PacketdrillSyntaxException(file, t.line(), t.col(), "semantic error: " + what);
    }
}
