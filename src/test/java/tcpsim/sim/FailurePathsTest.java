package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/** connect() and listen() when things go wrong: timers, resets, full queues; times are virtual. */
class FailurePathsTest {
    static Simulation sim;

    @BeforeAll
    static void start() {
        sim = Simulation.deterministic(Strategy.fifo());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    record Seen(long nanos, Skb skb) {}

    static List<Seen> run(Topology t, List<SimRun.Result> out) {
        List<Seen> wire = new ArrayList<>();
        out.add(SimRun.run(sim, t, 3, 300_000_000_000L, Trace.OFF, (n, p) -> wire.add(new Seen(n, (Skb) p))));
        return wire;
    }

    static Topology blackhole() {
        return new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 1.0)),
            List.of(new Topology.Client("client", new ClientAppActor.Params("cli", 0, Scenarios.SERVER, 80, 1, 0, 0, false, false))));
    }

    @Test
    void synRetransmitsWithLinearTimeoutsThenConnectFailsWithEtimedoutAt131s() {
        List<SimRun.Result> rs = new ArrayList<>();
        List<Seen> wire = run(blackhole(), rs);
        // tcp_syn_retries 6 + tcp_syn_linear_timeouts 4: 10 retransmissions (kernel-reference.md 6.2)
        List<Long> times = wire.stream().map(s -> s.nanos() / 1_000_000_000L).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 7L, 11L, 19L, 35L, 67L), times);
        assertTrue(wire.stream().allMatch(s -> s.skb().flags() == Skb.SYN && s.skb().seq() == wire.get(0).skb().seq()),
            "every retransmission is the same SYN, same ISN");
        SimRun.Result r = rs.get(0);
        assertEquals(1, r.stats().count("cli", "ETIMEDOUT"), r.stats().counts().toString());
        assertEquals(131_000_000_000L, r.stats().conns().get(0).endNanos(), "ETIMEDOUT at 131 s");
        var mib = r.hosts().get("client").net.mib;
        assertEquals(10, mib.get(Counter.TcpExtTCPSynRetrans));
        assertEquals(1, mib.get(Counter.TcpExtTCPAbortOnTimeout));
        assertEquals(1, mib.get(Counter.TcpAttemptFails));
        assertEquals(0, mib.get(Counter.TcpCurrEstab));
        assertTrue(Report.ss(r.hosts().get("client")).isEmpty(), "the failed socket is unhashed and closed");
    }

    @Test
    void synToAPortWithoutListenerGetsRstAndConnectReturnsEconnrefused() {
        Topology t = new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 0)),
            List.of(new Topology.Client("client", new ClientAppActor.Params("cli", 0, Scenarios.SERVER, 81, 1, 0, 0, false, false))));
        List<SimRun.Result> rs = new ArrayList<>();
        List<Seen> wire = run(t, rs);
        assertEquals(2, wire.size(), wire::toString);
        Skb syn = wire.get(0).skb(), rst = wire.get(1).skb();
        assertEquals(Skb.RST | Skb.ACK, rst.flags(), "a SYN has no ACK: the RST acks it (tcp_v4_send_reset)");
        assertEquals(0, rst.seq());
        assertEquals(syn.seq() + 1, rst.ackSeq());
        assertEquals(1, rs.get(0).stats().count("cli", "ECONNREFUSED"));
        assertEquals(2_000_000, rs.get(0).stats().conns().get(0).endNanos(), "refused one round trip later");
        assertEquals(1, rs.get(0).hosts().get("server").net.mib.get(Counter.TcpOutRsts));
    }

    @Test
    void finalAckToAFullAcceptQueueIsDroppedAndTheSynAckTimerRetransmitsAt1And3Seconds() {
        // backlog 3, nobody accepts: both queues hold backlog + 1 (qlen > backlog, ack_backlog > backlog).
        // Two early clients leave 2 children queued; then a burst of four SYNs all get requests, and
        // the last two final ACKs find the accept queue full.
        Topology t = new Topology(
            List.of(new Topology.Host("server", Scenarios.SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", Scenarios.CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 3, true, false, 0)),
                new Topology.Client("client", new ClientAppActor.Params("early", 10_000_000, Scenarios.SERVER, 80, 2, 0, 0, false, false)),
                new Topology.Client("client", new ClientAppActor.Params("burst", 100_000_000, Scenarios.SERVER, 80, 4, 0, 0, false, false))));
        List<SimRun.Result> rs = new ArrayList<>();
        List<Seen> wire = run(t, rs);
        SimRun.Result r = rs.get(0);
        var server = r.hosts().get("server");
        assertEquals(4, Report.ss(server).stream().filter(row -> row.state().equals("ESTAB")).count(),
            "the accept queue holds backlog + 1 children (sk_acceptq_is_full is '>')");
        assertEquals(4, server.listeners(80).get(0).queue().skAckBacklog.get());
        assertEquals(0, server.net.mib.get(Counter.TcpExtTCPReqQFullDrop), "four requests fit a backlog-3 SYN queue");
        assertEquals(2, server.net.mib.get(Counter.TcpExtListenOverflows), "two final ACKs find the accept queue full");
        assertEquals(2, server.net.mib.get(Counter.TcpExtListenDrops), "each overflow also counts as a drop");
        assertEquals(0, server.listeners(80).get(0).queue().qlen.get(), "their requests expired (63 s) by the run's end");
        assertEquals(4, r.stats().count("burst", "connected"), "the overflowed clients believe they are connected");
        // a request whose ACK was dropped keeps retransmitting its SYN-ACK: +1 s, then +2 s more (back-off)
        Skb dropped = wire.stream().filter(s -> s.skb().flags() == (Skb.SYN | Skb.ACK)).map(Seen::skb).toList().get(5);
        List<Long> synacks = wire.stream().filter(s -> s.skb().flags() == (Skb.SYN | Skb.ACK)
            && s.skb().dport() == dropped.dport()).map(Seen::nanos).toList();
        long first = synacks.get(0);
        assertEquals(List.of(0L, 1L, 3L, 7L, 15L, 31L), synacks.stream().map(n -> (n - first) / 1_000_000_000L).toList(),
            "tcp_synack_retries = 5 with exponential back-off, then the request is dropped");
        assertEquals(10, server.net.mib.get(Counter.TcpRetransSegs), "5 SYN-ACK retransmissions for each of the two");
    }
}
