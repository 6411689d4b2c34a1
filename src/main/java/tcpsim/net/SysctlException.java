package tcpsim.net;

/**
 * A sysctl write the kernel would refuse: an unknown name, or a value outside the form or range that
 * the sysctl's proc handler accepts (the kernel answers EINVAL). The message is one line.
 */
public final class SysctlException extends IllegalArgumentException {

    private final String name;
    private final String expected;

    SysctlException(String name, String expected, String value) {
        super(name + ": " + (expected == null ? "unknown sysctl" : "expected " + expected + ", got \"" + value + "\""));
        this.name = name;
        this.expected = expected;
    }

    /** The sysctl's kernel name, as given. */
    public String name() { return name; }

    /** What the kernel accepts, e.g. {@code an integer 1..127}; null when the name is unknown. */
    public String expected() { return expected; }

    /** True if the name is not a sysctl the model knows. */
    public boolean unknownName() { return expected == null; }
}
