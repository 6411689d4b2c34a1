package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/**
 * Two SO_REUSEPORT listeners on one port both listen (lhash2 holds both, as the kernel's does); a
 * SYN that finds both would need reuseport_select_sock, which the model does not have yet: it says
 * so and drops the SYN, rather than answering from one listener or with a RST.
 */
class ReuseportGroupTest {
    @Test
    void aSynThatMeetsTwoReuseportListenersSaysNotModelledAndIsNotAnswered() {
        Topology t = new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("one", 0, 0, 80, 8, false, true, 0)),
                new Topology.Server("server", new ServerAppActor.Params("two", 0, 0, 80, 8, false, true, 0)),
                new Topology.Client("client", new ClientAppActor.Params("cli", 10_000_000, Scenarios.SERVER, 80, 1, 0, 0,
                    false, false))));
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            StringBuilder trace = new StringBuilder();
            List<Skb> wire = new java.util.ArrayList<>();
            SimRun.Result r = SimRun.run(sim, t, 1, 2_000_000_000L, Trace.to(trace, sim.clock()), (n, p) -> wire.add((Skb) p));
            assertTrue(trace.toString().contains("not modelled: SO_REUSEPORT groups (2 listeners on port 80)"), trace.toString());
            assertEquals(2, Report.ss(r.hosts().get("server")).stream().filter(row -> row.state().equals("LISTEN")).count(),
                "both listen");
            assertTrue(wire.stream().noneMatch(Skb::rst), "no RST for the SYN: " + wire);
            assertTrue(wire.stream().allMatch(skb -> skb.flags() == Skb.SYN), "only the client's SYNs: " + wire);
            assertEquals(0, r.stats().count("cli", "connected"));
        }
    }
}
