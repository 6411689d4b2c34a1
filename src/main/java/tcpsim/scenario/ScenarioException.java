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
        super(file + (line > 0 ? ":" + line : "") + ": " + (key == null ? "" : "key '" + visible(key) + "': ")
            + visible(detail.replaceAll("\\s*\\R\\s*", " ")));
        this.file = file;
        this.line = line;
        this.key = key;
    }

    /**
     * Control, format and separator characters (a NUL, an RTL override, U+2028) written as
     * \\uXXXX: a key or value from the file must not break the message's one line, or reorder it.
     */
    static String visible(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                b.append(String.format("\\u%04X", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    public String file() { return file; }

    /** 1-based, or 0 when no line applies. */
    public int line() { return line; }

    /** The HOCON path of the offending value, or null. */
    public String key() { return key; }
}
