package tcpsim.sim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tcpsim.host.NetNs;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;

/** The seed's handshake end to end, in deterministic mode, checked as a kernel engineer would. */
class HandshakeTest {
    static Simulation sim;
    static final long DELAY = 1_000_000; // 1 ms one way
    static final long START = 10_000_000; // the client connects at 10 ms

    record Seen(long nanos, Skb skb) {}

    static final List<Seen> wire = new ArrayList<>();
    static SimRun.Result result;

    @BeforeAll
    static void run() {
        sim = Simulation.deterministic(Strategy.fifo());
        result = SimRun.run(sim, Scenarios.clientServer(DELAY, 1, 0, 128, 1), 7, 10_000_000_000L, Trace.OFF,
            (nanos, p) -> wire.add(new Seen(nanos, (Skb) p)));
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @Test
    void threeSegmentsCrossTheWireOneLinkDelayApart() {
        assertEquals(3, wire.size(), () -> "segments on the wire: " + wire);
        assertEquals(START, wire.get(0).nanos(), "SYN leaves when connect() is called");
        assertEquals(START + DELAY, wire.get(1).nanos(), "SYN-ACK leaves as the SYN arrives");
        assertEquals(START + 2 * DELAY, wire.get(2).nanos(), "ACK leaves as the SYN-ACK arrives");
    }

    @Test
    void synCarriesTheKernelsOptionsInTheKernelsLayout() {
        Skb syn = wire.get(0).skb();
        assertEquals(Skb.SYN, syn.flags());
        assertEquals(Scenarios.CLIENT, syn.saddr());
        assertEquals(80, syn.dport());
        assertEquals(0, syn.ackSeq());
        assertEquals(64240, syn.window(), "rounddown(tcp_rmem[1]/2, 1460) as the live kernel sends at MTU 1500");
        List<TcpOption> o = syn.options();
        assertEquals(5, o.size(), o::toString);
        assertEquals(new TcpOption.Mss(1460), o.get(0));
        assertEquals(new TcpOption.SackPermitted(), o.get(1));
        assertInstanceOf(TcpOption.Timestamp.class, o.get(2));
        assertEquals(0, ((TcpOption.Timestamp) o.get(2)).ecr());
        assertEquals(new TcpOption.Nop(), o.get(3));
        assertEquals(new TcpOption.WindowScale(10), o.get(4), "ilog2(tcp_rmem[2] = 32 MiB) - 15");
        assertTrue(syn.sport() >= 32768 && syn.sport() <= 60999, "ephemeral port from ip_local_port_range");
        assertEquals(0, syn.sport() % 2, "connect() scans ports of low's parity first");
    }

    @Test
    void synAckAcksTheIsnAndEchoesTheOfferedOptions() {
        Skb syn = wire.get(0).skb(), synack = wire.get(1).skb();
        assertEquals(Skb.SYN | Skb.ACK, synack.flags());
        assertEquals(syn.seq() + 1, synack.ackSeq(), "ack = client ISN + 1");
        assertEquals(syn.sport(), synack.dport());
        assertEquals(65160, synack.window(), "45 x 1448: MSS less the aligned timestamp option");
        TcpOption.Timestamp ts = synack.option(TcpOption.Timestamp.class);
        assertEquals(syn.option(TcpOption.Timestamp.class).val(), ts.ecr(), "TSecr echoes the SYN's TSval");
        assertEquals(List.of(TcpOption.Mss.class, TcpOption.SackPermitted.class, TcpOption.Timestamp.class,
            TcpOption.Nop.class, TcpOption.WindowScale.class), synack.options().stream().map(Object::getClass).toList());
    }

    @Test
    void finalAckIsRelativeOneOneWithAScaledWindow() {
        Skb syn = wire.get(0).skb(), synack = wire.get(1).skb(), ack = wire.get(2).skb();
        assertEquals(Skb.ACK, ack.flags());
        assertEquals(syn.seq() + 1, ack.seq(), "seq = client ISN + 1");
        assertEquals(synack.seq() + 1, ack.ackSeq(), "ack = server ISN + 1");
        assertEquals(63, ack.window(), "64240 rounded up to 1 << 10, shifted by 10");
        assertEquals(List.of(new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.Timestamp(
            ack.option(TcpOption.Timestamp.class).val(), synack.option(TcpOption.Timestamp.class).val())), ack.options());
    }

    @Test
    void bothEndsAreEstablishedAndAcceptReturnedTheChild() {
        NetNs server = result.hosts().get("server"), client = result.hosts().get("client");
        assertEquals(List.of("ESTAB"), Report.ss(client).stream().map(Report.SsRow::state).toList());
        assertEquals(List.of("LISTEN", "ESTAB"), Report.ss(server).stream().map(Report.SsRow::state).toList());
        assertEquals(1, result.stats().count("cli", "connected"));
        assertEquals(1, result.stats().count("srv", "accepted"));
        assertEquals(START + 2 * DELAY, result.stats().conns().stream().filter(c -> c.app().equals("cli"))
            .findFirst().orElseThrow().endNanos(), "connect() returns when the SYN-ACK arrives");
        assertTrue(result.appsDone());
    }

    @Test
    void countersMoveAsNstatShows() {
        NetNs server = result.hosts().get("server"), client = result.hosts().get("client");
        assertEquals(1, client.net.mib.get(Counter.TcpActiveOpens));
        assertEquals(0, client.net.mib.get(Counter.TcpPassiveOpens));
        assertEquals(1, server.net.mib.get(Counter.TcpPassiveOpens));
        assertEquals(1, server.net.mib.get(Counter.TcpCurrEstab));
        assertEquals(1, client.net.mib.get(Counter.TcpCurrEstab));
        assertEquals(2, client.net.mib.get(Counter.TcpOutSegs));
        assertEquals(1, server.net.mib.get(Counter.TcpOutSegs));
        assertEquals(0, server.net.mib.get(Counter.TcpExtListenDrops));
        assertEquals(0, server.net.mib.get(Counter.TcpRetransSegs));
    }

    @Test
    void nothingIsLeftPendingAfterTheHandshake() {
        assertEquals(START + 2 * DELAY + DELAY, result.virtualNanos(), "the run ends when the final ACK is processed");
    }
}
