package tcpsim.packetdrill;

import java.util.List;

/**
 * The outcome of one script on one backend: the verdict, the first failure, notes (commands the
 * backend does not model, sysctls it refused, packets ignored as not for the socket under test,
 * outbound packets left unchecked at the end), and the ordered log of what each event observed,
 * in script-relative terms, for comparing two backends.
 */
public record ScriptResult(String path, String backend, Verdict verdict, Failure failure,
                           List<String> notes, List<LogEntry> log) {
    public ScriptResult {
        notes = List.copyOf(notes);
        log = List.copyOf(log);
    }

    public enum Verdict {
        /** Every event happened as the script said. */
        PASS,
        /** The stack did something the script did not expect. */
        FAIL,
        /** The script could not be run (bad script, backend or environment). */
        ERROR;

        public String label() { return name().toLowerCase(); }
    }

    /** The first failure: its script line, one-line message, and detail lines. */
    public record Failure(int line, String message, List<String> detail) {
        public Failure { detail = List.copyOf(detail); }
    }

    /**
     * One observation: the script line it belongs to, its kind ({@code <} injected, {@code >} seen
     * outbound, {@code call}, {@code return}, {@code cmd}, {@code code}, {@code fail}), a text as
     * packetdrill would print it, the script time it happened at, and the comparison key (the text
     * minus what packetdrill itself would not check, such as an unchecked TSval).
     */
    public record LogEntry(int line, String kind, String text, long timeUsecs, String key) {}

    public boolean passed() { return verdict == Verdict.PASS; }
}
