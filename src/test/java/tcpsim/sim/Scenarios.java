package tcpsim.sim;

import java.util.List;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;

/** Topologies the tests share: a server and a client host across one link. */
final class Scenarios {
    static final int SERVER = Skb.ip("10.0.0.1"), CLIENT = Skb.ip("10.0.0.2");

    private Scenarios() {}

    /** {@code clients} connects to server:80 starting at 10 ms, every {@code everyNanos}; the server accepts all. */
    static Topology clientServer(long delayNanos, int clients, long everyNanos, int backlog, int accept) {
        return clientServer(delayNanos, clients, everyNanos, backlog, accept, Sysctls.defaults(), 0);
    }

    static Topology clientServer(long delayNanos, int clients, long everyNanos, int backlog, int accept,
                                 Sysctls serverSysctls, int maxInFlight) {
        return clientServer(delayNanos, clients, everyNanos, backlog, accept, serverSysctls, maxInFlight, 10_000_000);
    }

    static Topology clientServer(long delayNanos, int clients, long everyNanos, int backlog, int accept,
                                 Sysctls serverSysctls, int maxInFlight, long clientStartNanos) {
        return new Topology(
            List.of(new Topology.Host("server", SERVER, serverSysctls, 1500),
                new Topology.Host("client", CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", delayNanos, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, backlog, true, false, accept)),
                new Topology.Client("client", new ClientAppActor.Params("cli", clientStartNanos, SERVER, 80, clients, everyNanos,
                    maxInFlight, false, false))));
    }
}
