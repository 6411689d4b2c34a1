package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tcpsim.net.Mib.Counter;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Trace;

/** The same behaviours on Akka's multi-threaded dispatcher, in real time. */
class WildModeTest {
    @Test
    void completesAThousandHandshakesAllAccepted() {
        try (Simulation sim = Simulation.wild()) {
            // Real time: give the server's socket/bind/listen a generous head start even on a loaded
            // machine (a SYN before listen() is refused, as by the kernel).
            SimRun.Result r = SimRun.run(sim, Scenarios.clientServer(0, 1000, 0, 4096, Integer.MAX_VALUE,
                    tcpsim.net.Sysctls.defaults(), 0, 500_000_000L), 3,
                60_000_000_000L, Trace.OFF, (n, p) -> {});
            assertTrue(r.appsDone(), () -> "clients finished: " + r.stats().counts());
            assertEquals(1000, r.stats().count("cli", "connected"), () -> r.stats().counts().toString());
            assertEquals(1000, r.stats().count("srv", "accepted"), () -> r.stats().counts().toString());
            assertEquals(1000, r.hosts().get("server").net.mib.get(Counter.TcpPassiveOpens));
            assertEquals(0, r.hosts().get("server").net.mib.get(Counter.TcpExtListenDrops));
        }
    }
}
