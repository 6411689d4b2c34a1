package tcpsim.packetdrill;

/**
 * A script that does not parse, or that parses but breaks one of packetdrill's semantic rules (a
 * time range on a system call, an odd-length Fast Open cookie). Its message is the one line a user
 * sees: {@code file:line:col: expected X, found Y}.
 */
public final class PacketdrillSyntaxException extends Exception {
    private final String file;
    private final int line;
    private final int column;
    private final String detail;

    public PacketdrillSyntaxException(String file, int line, int column, String detail) {
        super(file + ":" + line + ":" + column + ": " + detail);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    public String file() { return file; }

    public int line() { return line; }

    public int column() { return column; }

    /** The message without the location prefix. */
    public String detail() { return detail; }
}
