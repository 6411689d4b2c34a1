package tcpsim.scenario;

/**
 * A scenario file that cannot be run. The message is one line,
 * {@code file:line: key 'hosts.server.ip': expected ..., got ...}, ready to print as it is.
 */
public final class ScenarioException extends RuntimeException {

    private final String file;
    private final int line;
    private final String key;

    /**
     * @param file   the file, as the user named it
     * @param line   1-based, or 0 when no line applies
     * @param key    the HOCON path of the offending value, or null
     * @param detail what was expected and what was found
     */
    public ScenarioException(String file, int line, String key, String detail) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (key == null ? "" : "key '" + key + "': ")
            + detail.replaceAll("\\s*\\R\\s*", " "));
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public String file() { return file; }

    /** 1-based, or 0 when no line applies. */
    public int line() { return line; }

    /** The HOCON path of the offending value, or null. */
    public String key() { return key; }
}
