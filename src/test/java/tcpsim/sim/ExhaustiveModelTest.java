package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Sysctls;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Exhaustive;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/**
 * Exhaustive on the model: two clients racing for the one port of their host's range, one listener
 * with backlog 1. The full search does not finish in a test's time (see the report); this runs the
 * first classes of it and checks what every one of them must hold.
 */
class ExhaustiveModelTest {
    static Topology twoClientsOnePort() {
        return new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT,
                    Sysctls.defaults().with("net.ipv4.ip_local_port_range", "40000 40000"), 1500)),
            List.of(new Topology.Link("client", "server", 0, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 1, true, false, 2)),
                new Topology.Client("client", new ClientAppActor.Params("a", 10_000_000, Scenarios.SERVER, 80, 1, 0, 0, false, false)),
                new Topology.Client("client", new ClientAppActor.Params("b", 10_000_000, Scenarios.SERVER, 80, 1, 0, 0, false, false))));
    }

    @Test
    void everyExploredClassEndsBothConnectsAndNeverTwoEstablishedSocketsOnOneTuple() {
        Exhaustive search = new Exhaustive(10_000, Exhaustive.modelDependence());
        Set<String> ends = new HashSet<>();
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            int runs = 0;
            for (Chooser c = search.next(); c != null && runs < 300; c = search.next(), runs++) {
                sim.strategy(new ExploringStrategy(c, "exhaustive"));
                SimRun.Result r = SimRun.run(sim, twoClientsOnePort(), 1, 300_000_000_000L, Trace.OFF, (n, p) -> {});
                search.finished();
                Map<String, Map<String, Long>> counts = r.stats().counts();
                for (String app : List.of("a", "b")) {
                    assertEquals(1L, counts.getOrDefault(app, Map.of()).values().stream().mapToLong(Long::longValue).sum(),
                        "connect() of " + app + " ended once: " + counts);
                }
                List<Report.SsRow> estab = Report.ss(r.hosts().get("client")).stream().filter(row -> row.state().equals("ESTAB")).toList();
                assertEquals(estab.size(), estab.stream().map(row -> row.local() + " " + row.peer()).distinct().count(),
                    "two established client sockets on one 4-tuple: " + estab);
                ends.add(counts + " " + estab);
            }
        }
        assertEquals(300, search.classes() + search.blocked());
        assertTrue(search.classes() > 250, search.summary());
        assertFalse(ends.isEmpty());
    }
}
