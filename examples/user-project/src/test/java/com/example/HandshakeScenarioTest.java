package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.runtime.Simulation;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.Report;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.SimRun;
import tcpsim.testkit.TcpsimExtension;

/** A scenario file run through tcpsim's public API on the extension's simulation. */
class HandshakeScenarioTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    @Test
    void bothEndsAreEstablishedOneRoundTripAfterConnect(Simulation sim) throws Exception {
        Scenario scenario = ScenarioLoader.load(Path.of(getClass().getResource("/two-ms-link.conf").toURI()));
        List<String> wire = new ArrayList<>();
        // sim.trace() is the extension's: a failing test prints the run's trace with its log
        SimRun.Result r = SimRun.run(sim, ScenarioTopology.from(scenario), scenario.seed(), scenario.untilNanos(),
            sim.trace(), (nanos, packet) -> wire.add(nanos / 1_000_000 + "ms " + Skb.flagString(((Skb) packet).flags())));

        assertEquals(List.of("10ms S", "12ms S.", "14ms ."), wire, "SYN, SYN-ACK, ACK one link delay apart");
        assertEquals(List.of("ESTAB"), Report.ss(r.hosts().get("client")).stream().map(Report.SsRow::state).toList());
        assertEquals(List.of("LISTEN", "ESTAB"), Report.ss(r.hosts().get("server")).stream().map(Report.SsRow::state).toList());
        assertEquals(1, r.hosts().get("server").net.mib.get(Counter.TcpPassiveOpens));
        assertTrue(r.appsDone());
    }
}
