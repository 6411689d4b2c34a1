package tcpsim.sim;

import java.util.List;
import java.util.Set;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Inject;
import tcpsim.net.Sysctls;

/**
 * What a run builds: namespaces, the links between them, the processes in them, and the
 * race-injection switches every namespace runs with (none for the faithful model).
 */
public record Topology(List<Host> hosts, List<Link> links, List<App> apps, Set<Inject> inject) {
    public Topology {
        hosts = List.copyOf(hosts);
        links = List.copyOf(links);
        apps = List.copyOf(apps);
        inject = inject.isEmpty() ? Set.of() : Set.copyOf(inject);
    }

    /** The faithful model: no switches. */
    public Topology(List<Host> hosts, List<Link> links, List<App> apps) {
        this(hosts, links, apps, Set.of());
    }

    /** The same topology with these switches. */
    public Topology withInject(Set<Inject> switches) {
        return new Topology(hosts, links, apps, switches);
    }

    public record Host(String name, int addr, Sysctls sysctls, int mtu) {}

    public record Link(String a, String b, long delayNanos, double loss) {}

    public sealed interface App {
        String host();
    }

    public record Server(String host, ServerAppActor.Params params) implements App {}

    public record Client(String host, ClientAppActor.Params params) implements App {}
}
