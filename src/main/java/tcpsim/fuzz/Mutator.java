package tcpsim.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded mutations of a text input: byte flips, truncation, duplicated, deleted, swapped and
 * spliced lines, values of the wrong type, huge numbers, and odd Unicode (combining marks, RTL
 * overrides, NUL, a BOM, zero-width characters, and bytes that are not UTF-8: a surrogate written
 * as CESU-8, an overlong NUL, a stray continuation byte, 0xff). Each input gets one to three.
 */
final class Mutator {
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    private static final Pattern VALUE = Pattern.compile("\"[^\"\\n]*\"|-?[0-9]+(\\.[0-9]+)?[a-z]*|\\btrue\\b|\\bfalse\\b");
    private static final String[] HUGE = {"2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999999", "-1", "0", "1e308", "0x7fffffffffffffff", "NaN",
        "1.7976931348623157E309", "4294967295", "65536", "18446744073709551616"};
    private static final String[] WRONG_TYPES = {"\"text\"", "42", "[1, 2]", "{}", "{ a = 1 }", "true", "null", "[]",
        "\"\"", "1.5", "\"10.0.0.256\"", "\"server:99999\"", "...", "[...]"};
    private static final byte[][] ODD = {
        utf8("\u0301"), utf8("\u202e"), utf8("\u200f"), {0}, utf8("\ufeff"), utf8("\u200b"), utf8("\ud83d\ude00"),
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xff},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, utf8("\u2028"), utf8("a\u0308\u0308\u0308"), {'\r'}};

    private final Random random;
    private final List<byte[]> corpus;

    Mutator(Random random, List<byte[]> corpus) {
        this.random = random;
        this.corpus = corpus;
    }

    byte[] mutate(byte[] input) {
        byte[] out = input;
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) out = once(out);
        return out;
    }

    private byte[] once(byte[] in) {
        return switch (random.nextInt(10)) {
            case 0 -> flip(in);
            case 1 -> in.length == 0 ? in : java.util.Arrays.copyOf(in, random.nextInt(in.length));
            case 2 -> lines(in, Op.DUPLICATE);
            case 3 -> lines(in, Op.DELETE);
            case 4 -> lines(in, Op.SWAP);
            case 5 -> lines(in, Op.SPLICE);
            case 6 -> replace(in, VALUE, WRONG_TYPES);
            case 7 -> replace(in, NUMBER, HUGE);
            case 8 -> random.nextInt(8) == 0 ? concat(ODD[4], in) : insert(in, ODD[random.nextInt(ODD.length)]);
            default -> flip(in);
        };
    }

    private byte[] flip(byte[] in) {
        if (in.length == 0) return in;
        byte[] out = in.clone();
        int k = 1 + random.nextInt(4);
        for (int i = 0; i < k; i++) out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private enum Op { DUPLICATE, DELETE, SWAP, SPLICE }

    private byte[] lines(byte[] in, Op op) {
        List<String> lines = split(in);
        if (lines.isEmpty()) return in;
        int a = random.nextInt(lines.size());
        switch (op) {
            case DUPLICATE -> lines.add(a, lines.get(a));
            case DELETE -> lines.remove(a);
            case SWAP -> {
                int b = random.nextInt(lines.size());
                String t = lines.get(a);
                lines.set(a, lines.get(b));
                lines.set(b, t);
            }
            case SPLICE -> {
                List<String> other = split(corpus.get(random.nextInt(corpus.size())));
                if (!other.isEmpty()) lines.add(a, other.get(random.nextInt(other.size())));
            }
        }
        return join(lines);
    }

    private byte[] replace(byte[] in, Pattern p, String[] with) {
        String s = new String(in, StandardCharsets.ISO_8859_1);
        Matcher m = p.matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        if (spans.isEmpty()) return in;
        int[] span = spans.get(random.nextInt(spans.size()));
        String r = s.substring(0, span[0]) + with[random.nextInt(with.length)] + s.substring(span[1]);
        return r.getBytes(StandardCharsets.ISO_8859_1);
    }

    private byte[] insert(byte[] in, byte[] what) {
        int at = in.length == 0 ? 0 : random.nextInt(in.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + what.length);
        out.write(in, 0, at);
        out.write(what, 0, what.length);
        out.write(in, at, in.length - at);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Lines as ISO-8859-1, so that bytes that are not UTF-8 survive the round trip. */
    private static List<String> split(byte[] in) {
        String s = new String(in, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
        if (lines.size() == 1 && lines.get(0).isEmpty()) lines.clear();
        return lines;
    }

    private static byte[] join(List<String> lines) {
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
