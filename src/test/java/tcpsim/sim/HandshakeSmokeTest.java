package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.host.Sysctls;
import tcpsim.net.Skb;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

class HandshakeSmokeTest {
    @Test
    void oneHandshake() {
        int srv = Skb.ip("10.0.0.1"), cli = Skb.ip("10.0.0.2");
        Topology t = new Topology(
            List.of(new Topology.Host("server", srv, Sysctls.defaults(), 1500), new Topology.Host("client", cli, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 128, true, false, 1)),
                new Topology.Client("client", new ClientAppActor.Params("cli", 10_000_000, srv, 80, 1, 0, 0, false, false))));
        StringBuilder trace = new StringBuilder();
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            SimRun.Result r = SimRun.run(sim, t, 1, 10_000_000_000L, Trace.to(trace, sim.clock()), (n, p) -> {});
            System.out.println(trace);
            System.out.println(r.stats().counts() + " " + r.hosts().get("server").mib.nonZero() + " " + r.hosts().get("client").mib.nonZero());
            assertTrue(r.appsDone());
        }
    }
}
