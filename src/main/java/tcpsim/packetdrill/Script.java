package tcpsim.packetdrill;

import java.util.List;
import java.util.Optional;

/**
 * A parsed packetdrill script: header options, the init command, the timed events and the cleanup
 * command, in the layout of gtests/net/packetdrill/parser.y's {@code script} rule.
 */
public record Script(String path, List<HeaderOption> options, Action.ShellCommand init,
                     List<Event> events, Action.ShellCommand cleanup) {
    public Script {
        options = List.copyOf(options);
        events = List.copyOf(events);
    }

    /** A {@code --name=value} line; value is null for a bare {@code --name}. */
    public record HeaderOption(String name, String value, int line) {}

    /** The last value the header gives an option, if any. */
    public Optional<String> option(String name) {
        String v = null;
        boolean seen = false;
        for (HeaderOption o : options) {
            if (o.name().equals(name)) {
                v = o.value();
                seen = true;
            }
        }
        return seen ? Optional.of(v == null ? "" : v) : Optional.empty();
    }
}
