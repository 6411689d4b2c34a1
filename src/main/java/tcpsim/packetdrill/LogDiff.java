package tcpsim.packetdrill;

import java.util.List;
import java.util.Optional;
import tcpsim.packetdrill.ScriptResult.LogEntry;

/** Where two runs of one script part: the first event whose observation differs. */
final class LogDiff {
    private LogDiff() {}

    /**
     * The first entry where the logs differ (by line, kind and comparison key), printed side by
     * side as {@code line N: kernel: ... | model: ...}; empty when the runs agree. A blocking call's
     * return is concurrent with the packets around it (on the kernel, which comes first is a matter
     * of wake-up timing), so returns are compared among themselves, and the rest without them.
     */
    static Optional<String> firstDivergence(ScriptResult a, ScriptResult b) {
        Optional<String> d = firstDivergence(a, b, a.log().stream().filter(e -> !isReturn(e)).toList(),
            b.log().stream().filter(e -> !isReturn(e)).toList());
        if (d.isEmpty()) {
            d = firstDivergence(a, b, a.log().stream().filter(LogDiff::isReturn).toList(),
                b.log().stream().filter(LogDiff::isReturn).toList());
        }
        if (d.isEmpty() && a.verdict() != b.verdict()) {
            return Optional.of("verdicts differ: " + a.backend() + ": " + a.verdict().label() + " | " + b.backend() + ": "
                + b.verdict().label());
        }
        return d;
    }

    private static boolean isReturn(LogEntry e) {
        return e.kind().equals("return");
    }

    private static Optional<String> firstDivergence(ScriptResult a, ScriptResult b, List<LogEntry> x, List<LogEntry> y) {
        for (int k = 0; k < Math.max(x.size(), y.size()); k++) {
            LogEntry p = k < x.size() ? x.get(k) : null;
            LogEntry q = k < y.size() ? y.get(k) : null;
            if (p != null && q != null && p.line() == q.line() && p.kind().equals(q.kind()) && p.key().equals(q.key())) {
                continue;
            }
            int line = p != null ? p.line() : q.line();
            return Optional.of("line " + line + ": " + a.backend() + ": " + show(p) + " | " + b.backend() + ": " + show(q));
        }
        return Optional.empty();
    }

    private static String show(LogEntry e) {
        if (e == null) return "(nothing)";
        return switch (e.kind()) {
            case "<", ">" -> e.kind() + " " + e.text();
            case "return" -> "returned " + e.text();
            default -> e.text();
        };
    }
}
