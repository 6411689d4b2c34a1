package tcpsim;

/** The project's version, as `tcpsim --version` prints it and replay files record it. */
public final class Version {
    private Version() {}

    public static final String VERSION = "0.1.0";
}
