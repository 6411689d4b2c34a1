package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Sysctls;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/** Loss is drawn from the scenario seed: the same seed loses the same packets, another seed others. */
class LinkLossTest {
    static List<String> lost(Simulation sim, long delayNanos, long seed) {
        Topology t = new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", delayNanos, 0.3)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 128, true, false, Integer.MAX_VALUE)),
                new Topology.Client("client", new ClientAppActor.Params("cli", 1_000_000, Scenarios.SERVER, 80, 20, 0, 0, false, false))));
        StringBuilder b = new StringBuilder();
        SimRun.run(sim, t, seed, 200_000_000_000L, Trace.to(b, sim.clock()), (n, p) -> {});
        List<String> out = new ArrayList<>();
        b.toString().lines().filter(l -> l.contains(" lost ")).forEach(out::add);
        return out;
    }

    @ParameterizedTest(name = "one-way delay {0} ns")
    @ValueSource(longs = {0, 1_000_000})
    void theSeedDecidesWhichPacketsAreLost(long delay) {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            List<String> a = lost(sim, delay, 11), b = lost(sim, delay, 11), c = lost(sim, delay, 12);
            assertFalse(a.isEmpty(), "30% loss over ~60 packets loses some");
            assertEquals(a, b, "same seed, same losses, same times");
            assertNotEquals(a, c, "another seed, other losses");
        }
    }
}
