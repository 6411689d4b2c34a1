package tcpsim.sim;

import java.util.List;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Sysctls;

/** What a run builds: namespaces, the links between them, and the processes in them. */
public record Topology(List<Host> hosts, List<Link> links, List<App> apps) {
    public Topology {
        hosts = List.copyOf(hosts);
        links = List.copyOf(links);
        apps = List.copyOf(apps);
    }

    public record Host(String name, int addr, Sysctls sysctls, int mtu) {}

    public record Link(String a, String b, long delayNanos, double loss) {}

    public sealed interface App {
        String host();
    }

    public record Server(String host, ServerAppActor.Params params) implements App {}

    public record Client(String host, ClientAppActor.Params params) implements App {}
}
