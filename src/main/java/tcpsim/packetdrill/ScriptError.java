package tcpsim.packetdrill;

import java.util.List;

/**
 * Why a script stopped: the line, a one-line message in packetdrill's style
 * ({@code file:line: error handling packet: ...}), any further detail lines (the script and
 * actual packet), and whether the stack did something the script did not expect ({@link
 * ScriptResult.Verdict#FAIL}) or the script could not be run at all ({@link
 * ScriptResult.Verdict#ERROR}).
 */
public final class ScriptError extends Exception {
    private final String file;
    private final int line;
    private final ScriptResult.Verdict verdict;
    private final List<String> detail;

    public ScriptError(String file, int line, String what) {
        this(file, line, what, ScriptResult.Verdict.ERROR, List.of());
    }

    public ScriptError(String file, int line, String what, ScriptResult.Verdict verdict, List<String> detail) {
        super(file + ":" + line + ": " + what);
        this.file = file;
        this.line = line;
        this.verdict = verdict;
        this.detail = List.copyOf(detail);
    }

    static ScriptError failure(String file, int line, String what, List<String> detail) {
        return new ScriptError(file, line, what, ScriptResult.Verdict.FAIL, detail);
    }

    public String file() { return file; }

    public int line() { return line; }

    public ScriptResult.Verdict verdict() { return verdict; }

    public List<String> detail() { return detail; }
}
