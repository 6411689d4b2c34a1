package tcpsim.packetdrill;

import java.util.List;

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
}
