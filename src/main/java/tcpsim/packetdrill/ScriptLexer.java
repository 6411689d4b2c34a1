package tcpsim.packetdrill;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a packetdrill script into tokens the way gtests/net/packetdrill/lexer.l does: longest
 * match, whitespace and comments dropped, and {@code -D} defines substituted for words that are not
 * reserved (so {@code FO TFO_COOKIE} reads as {@code FO 3021b9d889017eeb}).
 */
final class ScriptLexer {

    enum Kind {
        WORD, INTEGER, HEX, FLOAT, IPV4, IPV6, STRING, BACKQUOTE, CODE, OPTION, ELLIPSIS, PUNCT, EOF
    }

    /**
     * One token. {@code text} is the source text (for STRING, BACKQUOTE and CODE the contents
     * between the delimiters; for OPTION the option name); {@code value} is the option value after
     * '=' (OPTION only, else null).
     */
    record Token(Kind kind, String text, String value, int line, int col) {
        boolean is(char c) { return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c; }

        boolean isWord(String w) { return kind == Kind.WORD && text.equals(w); }

        /** How an error message names this token. */
        String describe() {
            return switch (kind) {
                case EOF -> "end of file";
                case STRING -> "string \"" + printable(abbreviate(text)) + "\"";
                case BACKQUOTE -> "command `" + printable(abbreviate(text)) + "`";
                case CODE -> "%{ code }%";
                case OPTION -> "option --" + printable(text);
                default -> "'" + printable(text) + "'";
            };
        }

        /** Control, format and other invisible characters as \\uXXXX, so an error stays one readable line. */
        private static String printable(String s) {
            StringBuilder b = new StringBuilder();
            s.codePoints().forEach(c -> {
                int type = Character.getType(c);
                if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.UNASSIGNED || type == Character.PRIVATE_USE || type == Character.NON_SPACING_MARK
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                    b.append(String.format("\\u%04X", c));
                } else {
                    b.appendCodePoint(c);
                }
            });
            return b.toString();
        }

        private static String abbreviate(String s) {
            String one = s.strip().replaceAll("\\s+", " ");
            return one.length() > 30 ? one.substring(0, 27) + "..." : one;
        }
    }

    /** lexer.l's reserved words: never replaced by a define. */
    static final Set<String> RESERVED = Set.of(
        "sa_family", "sin_port", "sin_addr", "msg_name", "msg_iov", "msg_flags", "msg_control",
        "cmsg_data", "cmsg_level", "cmsg_type", "ee_errno", "ee_origin", "ee_type", "ee_code",
        "ee_info", "ee_data", "scm_sec", "scm_nsec", "fd", "u32", "u64", "ptr", "events", "revents",
        "onoff", "linger", "htons", "ipv4", "ipv6", "icmp", "udp", "GREv0", "gre", "raw", "sum", "off",
        "key", "seq", "none", "checksum", "present", "mpls", "label", "tc", "ttl", "inet_addr",
        "inet6_addr", "ack", "eol", "ecr", "mss", "mtu", "nop", "sack", "sackOK", "md5", "TS", "FO",
        "FOEXP", "tos", "flowlabel", "flags", "Flags", "val", "win", "urg", "wscale", "ect01", "ect0",
        "ect1", "noecn", "ce", "id", "mut", "trun", "ins", "ip", "tcp", "ihl", "source_port");

    /**
     * lexer.l's ipv6_addr, one pattern per alternative (v0..v12) so that the longest can win as in
     * flex. Every form needs "::" or eight groups, so a sequence range such as 1:1001 never matches.
     */
    private static final List<Pattern> IPV6_FORMS;

    static {
        String seg = "[0-9a-fA-F]{1,4}";
        String v4 = "[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+";
        IPV6_FORMS = List.of("::", "(" + seg + ":){7}" + seg, "(" + seg + ":){1,7}:",
                "(" + seg + ":){1,6}:" + seg, "(" + seg + ":){1,5}(:" + seg + "){1,2}",
                "(" + seg + ":){1,4}(:" + seg + "){1,3}", "(" + seg + ":){1,3}(:" + seg + "){1,4}",
                "(" + seg + ":){1,2}(:" + seg + "){1,5}", seg + ":((:" + seg + "){1,6})", ":(:" + seg + "){1,7}",
                "::ffff:" + v4, "::ffff:(0){1,4}:" + v4, "(" + seg + ":){1,4}:" + v4)
            .stream().map(Pattern::compile).toList();
    }

    private final String file;
    private final String src;
    private final Map<String, String> defines;
    private int pos;
    private int line = 1;
    private int col = 1;

    ScriptLexer(String file, String src, Map<String, String> defines) {
        this.file = file;
        this.src = src;
        this.defines = defines;
    }

    List<Token> tokenize() throws PacketdrillSyntaxException {
        List<Token> out = new ArrayList<>();
        if (src.startsWith("\uFEFF")) pos = 1; // a byte order mark some editors write
        while (true) {
            skipSpaceAndComments();
            if (pos >= src.length()) {
                out.add(new Token(Kind.EOF, "", null, line, col));
                return out;
            }
            out.add(next());
        }
    }

    private void skipSpaceAndComments() throws PacketdrillSyntaxException {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                advance(1);
            } else if (src.startsWith("//", pos)) {
                while (pos < src.length() && src.charAt(pos) != '\n') advance(1);
            } else if (src.startsWith("/*", pos)) {
                int l = line, k = col;
                int end = src.indexOf("*/", pos + 2);
                if (end < 0) throw error(l, k, "expected '*/' closing the comment, found end of file");
                advance(end + 2 - pos);
            } else {
                return;
            }
        }
    }

    private Token next() throws PacketdrillSyntaxException {
        int l = line, k = col;
        char c = src.charAt(pos);
        if (src.startsWith("%{", pos)) {
            int end = src.indexOf("}%", pos + 2);
            if (end < 0) throw error(l, k, "expected '}%' closing the code block, found end of file");
            String body = src.substring(pos + 2, end);
            advance(end + 2 - pos);
            return new Token(Kind.CODE, stripSpacesAndTabs(body), null, l, k);
        }
        if (src.startsWith("...", pos)) {
            advance(3);
            return new Token(Kind.ELLIPSIS, "...", null, l, k);
        }
        if (src.startsWith("--", pos) && pos + 2 < src.length() && isIdent(src.charAt(pos + 2))) {
            advance(2);
            String name = scanIdent();
            String value = null;
            if (pos < src.length() && src.charAt(pos) == '=') {
                advance(1);
                int start = pos;
                while (pos < src.length() && !Character.isWhitespace(src.charAt(pos))) advance(1);
                value = unquote(src.substring(start, pos));
            }
            return new Token(Kind.OPTION, name, value, l, k);
        }
        if (c == '"' || c == '`') {
            int p = pos + 1;
            while (p < src.length() && src.charAt(p) != c) p += src.charAt(p) == '\\' ? 2 : 1;
            if (p >= src.length()) {
                throw error(l, k, "expected closing " + (c == '"' ? "'\"'" : "'`'") + ", found end of file");
            }
            String body = src.substring(pos + 1, p);
            advance(p + 1 - pos);
            return new Token(c == '"' ? Kind.STRING : Kind.BACKQUOTE, body, null, l, k);
        }
        // IPv4 address and float before identifiers: longest match wins, as in flex.
        int ipv4 = matchIpv4(pos);
        int flt = matchFloat(pos);
        int ident = matchIdent(pos);
        int ipv6 = matchIpv6(pos);
        if (ipv6 > Math.max(ipv4, Math.max(flt, ident))) return take(Kind.IPV6, ipv6, l, k);
        if (ipv4 > 0) return take(Kind.IPV4, ipv4, l, k);
        if (flt > 0 && flt > ident) return take(Kind.FLOAT, flt, l, k);
        if (c == '-' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))) {
            int n = 1 + matchIdent(pos + 1);
            String digits = src.substring(pos + 1, pos + n);
            if (digits.chars().allMatch(Character::isDigit)) return take(Kind.INTEGER, n, l, k);
        }
        if (ident > 0) {
            String text = src.substring(pos, pos + ident);
            advance(ident);
            return classify(text, l, k, true);
        }
        advance(1);
        return new Token(Kind.PUNCT, String.valueOf(c), null, l, k);
    }

    private Token classify(String text, int l, int k, boolean substitute) {
        if (text.matches("0x[0-9a-fA-F]+")) return new Token(Kind.HEX, text, null, l, k);
        if (text.chars().allMatch(Character::isDigit)) return new Token(Kind.INTEGER, text, null, l, k);
        if (substitute && !RESERVED.contains(text) && defines.containsKey(text)) {
            String v = defines.get(text);
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                return new Token(Kind.STRING, v.substring(1, v.length() - 1), null, l, k);
            }
            if (v.length() >= 2 && v.startsWith("`") && v.endsWith("`")) {
                return new Token(Kind.BACKQUOTE, v.substring(1, v.length() - 1), null, l, k);
            }
            if (v.matches("-?[0-9]*\\.[0-9]+")) return new Token(Kind.FLOAT, v, null, l, k);
            if (v.matches("-[0-9]+")) return new Token(Kind.INTEGER, v, null, l, k);
            return classify(v, l, k, false);
        }
        return new Token(Kind.WORD, text, null, l, k);
    }

    private Token take(Kind kind, int len, int l, int k) {
        String text = src.substring(pos, pos + len);
        advance(len);
        return new Token(kind, text, null, l, k);
    }

    private int matchIpv4(int p) {
        int q = p;
        for (int part = 0; part < 4; part++) {
            int d = q;
            while (d < src.length() && Character.isDigit(src.charAt(d))) d++;
            if (d == q) return 0;
            q = d;
            if (part < 3) {
                if (q >= src.length() || src.charAt(q) != '.') return 0;
                q++;
            }
        }
        return q - p;
    }

    private int matchIpv6(int p) {
        char c = src.charAt(p);
        if (c != ':' && Character.digit(c, 16) < 0) return 0;
        int best = 0;
        Matcher m = IPV6_FORMS.get(0).matcher(src);
        for (Pattern form : IPV6_FORMS) {
            m.usePattern(form).region(p, Math.min(src.length(), p + 64));
            if (m.lookingAt()) best = Math.max(best, m.end() - p);
        }
        return best;
    }

    /** [-]?[0-9]*[.][0-9]+ */
    private int matchFloat(int p) {
        int q = p;
        if (q < src.length() && src.charAt(q) == '-') q++;
        while (q < src.length() && Character.isDigit(src.charAt(q))) q++;
        if (q >= src.length() || src.charAt(q) != '.') return 0;
        int d = q + 1;
        while (d < src.length() && Character.isDigit(src.charAt(d))) d++;
        return d > q + 1 ? d - p : 0;
    }

    private int matchIdent(int p) {
        int q = p;
        while (q < src.length() && isIdent(src.charAt(q))) q++;
        return q - p;
    }

    private String scanIdent() {
        int n = matchIdent(pos);
        String s = src.substring(pos, pos + n);
        advance(n);
        return s;
    }

    private static boolean isIdent(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) return v.substring(1, v.length() - 1);
        return v;
    }

    /** lexer.l code(): spaces and tabs (not newlines) are stripped from both ends. */
    private static String stripSpacesAndTabs(String s) {
        int a = 0, b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) a++;
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) b--;
        return s.substring(a, b);
    }

    private void advance(int n) {
        for (int i = 0; i < n; i++) {
            if (src.charAt(pos) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            pos++;
        }
    }

    private PacketdrillSyntaxException error(int l, int k, String detail) {
        return new PacketdrillSyntaxException(file, l, k, detail);
    }
}
