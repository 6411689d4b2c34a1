package tcpsim.sim;

import java.util.List;
import java.util.Set;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Inject;
import tcpsim.net.Sysctls;
import tcpsim.scenario.ExploreSpec;

/**
 * What a run builds: namespaces, the links between them, the processes in them, the
 * race-injection switches every namespace runs with (none for the faithful model), and the bounds
 * within which an explorer may fault links and jitter timers (none outside exploration).
 */
public record Topology(List<Host> hosts, List<Link> links, List<App> apps, Set<Inject> inject, ExploreSpec explore) {
    public Topology {
        hosts = List.copyOf(hosts);
        links = List.copyOf(links);
        apps = List.copyOf(apps);
        inject = inject.isEmpty() ? Set.of() : Set.copyOf(inject);
    }

    public Topology(List<Host> hosts, List<Link> links, List<App> apps, Set<Inject> inject) {
        this(hosts, links, apps, inject, ExploreSpec.NONE);
    }

    /** The faithful model: no switches. */
    public Topology(List<Host> hosts, List<Link> links, List<App> apps) {
        this(hosts, links, apps, Set.of());
    }

    /** The same topology with these switches. */
    public Topology withInject(Set<Inject> switches) {
        return new Topology(hosts, links, apps, switches, explore);
    }

    /** The same topology with these exploration bounds. */
    public Topology withExplore(ExploreSpec bounds) {
        return new Topology(hosts, links, apps, inject, bounds);
    }

    public record Host(String name, int addr, Sysctls sysctls, int mtu) {}

    public record Link(String a, String b, long delayNanos, double loss) {}

    public sealed interface App {
        String host();
    }

    public record Server(String host, ServerAppActor.Params params) implements App {}

    public record Client(String host, ClientAppActor.Params params) implements App {}
}
