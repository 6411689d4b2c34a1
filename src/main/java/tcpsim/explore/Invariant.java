package tcpsim.explore;

/**
 * A property every run of a scenario must keep. A SAFETY invariant is checked after every step of the
 * run (it must hold in every state the locks allow); a LIVENESS invariant is checked once, when the run
 * ends (something must have happened by then). Users add their own by implementing this interface and
 * handing it to {@link Explorer.Builder#invariants}.
 */
public interface Invariant {
    enum Kind { SAFETY, LIVENESS }

    /** Short, kebab-case: what scenarios and reports call it. */
    String name();

    /** One line: what must hold. */
    String description();

    Kind kind();

    /**
     * Null when the invariant holds in {@code run}'s current state; otherwise one line saying what broke,
     * naming the sockets involved.
     */
    String check(RunView run);

    /** A user invariant from a name, a description and a check. */
    static Invariant of(String name, String description, Kind kind, java.util.function.Function<RunView, String> check) {
        return new Invariant() {
            public String name() { return name; }
            public String description() { return description; }
            public Kind kind() { return kind; }
            public String check(RunView run) { return check.apply(run); }
            @Override public String toString() { return name; }
        };
    }
}
