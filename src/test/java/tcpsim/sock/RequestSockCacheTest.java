package tcpsim.sock;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorRef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.host.NetNs;
import tcpsim.host.SlabActor;
import tcpsim.net.Mib.Counter;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Trace;
import tcpsim.sim.Report;
import tcpsim.sim.SimRun;
import tcpsim.sim.Topology;
import tcpsim.testkit.TcpsimExtension;

/**
 * Request actors come from a per-namespace cache (request_sock_TCP) and sockets from slabs: a freed
 * request actor serves the next SYN, and whatever still reaches it for an old request is ignored or,
 * for a segment, looked up again.
 */
class RequestSockCacheTest {
    static final int SERVER = Skb.ip("10.0.0.1"), CLIENT = Skb.ip("10.0.0.2");
    @RegisterExtension
    static final TcpsimExtension tcpsim = new TcpsimExtension();

    static Topology clients(int count, int maxInFlight) {
        return new Topology(
            List.of(new Topology.Host("server", SERVER, Sysctls.defaults(), 1500),
                new Topology.Host("client", CLIENT, Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("client", "server", 1_000_000, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 4096, true, false, Integer.MAX_VALUE)),
                new Topology.Client("client", new ClientAppActor.Params("cli", 10_000_000, SERVER, 80, count, 0, maxInFlight,
                    false, false))));
    }

    @Test
    void connectionsOneAfterAnotherReuseFreedRequestActors(Simulation sim) {
        SimRun.Result r = SimRun.run(sim, clients(50, 1), 1, 10_000_000_000L, Trace.OFF, (n, p) -> {});
        NetNs server = r.hosts().get("server");
        assertEquals(50, r.stats().count("cli", "connected"));
        assertEquals(50, server.net.mib.get(Counter.TcpPassiveOpens));
        assertTrue(server.reqskObjects() < 50, "a freed request actor serves a later SYN: " + server.reqskObjects());
        assertEquals(server.reqskObjects(), server.reqskFreeObjects(), "every request went back to the cache");
        assertEquals(0, server.listeners(80).get(0).queue().qlen.get());
    }

    @Test
    void aBurstNeedsOneRequestActorPerRequestAliveAndFreesThemAll(Simulation sim) {
        SimRun.Result r = SimRun.run(sim, clients(30, 0), 1, 10_000_000_000L, Trace.OFF, (n, p) -> {});
        NetNs server = r.hosts().get("server");
        assertEquals(30, r.stats().count("cli", "connected"));
        assertEquals(30, server.reqskObjects(), "30 SYNs arrive before the first final ACK");
        assertEquals(30, server.reqskFreeObjects());
    }

    @Test
    void socketsSpreadOverSeveralSlabsAllConnectAndStayReachable(Simulation sim) {
        int n = 10 * SlabActor.OBJECTS + 5;
        SimRun.Result r = SimRun.run(sim, clients(n, 1), 1, 60_000_000_000L, Trace.OFF, (t, p) -> {});
        assertEquals(n, r.stats().count("cli", "connected"));
        NetNs server = r.hosts().get("server"), client = r.hosts().get("client");
        assertEquals(n, Report.ss(client).stream().filter(row -> row.state().equals("ESTAB")).count());
        assertEquals(n, Report.ss(server).stream().filter(row -> row.state().equals("ESTAB")).count(), "n children");
    }

    @Test
    void stalePartsOfAnOldRequestAreIgnoredAndItsSegmentIsLookedUpAgainCountedOnce(Simulation sim) {
        List<Skb> wire = new ArrayList<>();
        long[] inSegs = new long[2];
        SimRun.Result r = SimRun.run(sim, clients(1, 0), 1, 10_000_000_000L, Trace.OFF, (n, p) -> wire.add((Skb) p), hosts -> {
            NetNs server = hosts.get("server");
            ActorRef<RequestSockActor.Command> req = server.reqskAlloc();
            assertNotNull(req, "the handshake's request actor is back in the cache");
            server.reqskFree(req);
            inSegs[0] = server.net.mib.get(Counter.TcpInSegs);
            int wireBefore = wire.size();
            RequestSock gone = new RequestSock(FourTuple.of(SERVER, 80, CLIENT, 4242));
            // what a freed request may still receive: its final word from the child, a late ehash reply, an old timer
            req.tell(new RequestSockActor.Owned(gone));
            req.tell(new RequestSockActor.Hashed(true, gone));
            req.tell(new RequestSockActor.TimerFired(gone.rskTimer, gone.rskTimer.generation));
            // and a segment that found it in ehash before it was freed: a bare ACK from a port with no connection
            req.tell(new RequestSockActor.SegmentArrived(new Skb(CLIENT, SERVER, 4242, 80, 1000, 2000, Skb.ACK, 502, List.of())));
            sim.runUntilQuiescent();
            inSegs[1] = server.net.mib.get(Counter.TcpInSegs);
            List<Skb> after = wire.subList(wireBefore, wire.size());
            assertEquals(1, after.size(), after::toString);
            Skb rst = after.get(0);
            assertEquals(Skb.RST, rst.flags(), "looked up again: the listener answers a bare ACK with a RST");
            assertEquals(4242, rst.dport());
            assertEquals(2000, rst.seq(), "the RST's seq is the ACK's ack_seq");
            assertEquals(1, server.reqskObjects());
            assertEquals(1, server.reqskFreeObjects(), "the actor survived the stale messages, still free");
        }, SimRun.Progress.NONE);
        assertEquals(1, r.stats().count("cli", "connected"));
        assertEquals(inSegs[0], inSegs[1], "tcp_v4_rcv counts a segment once, before lookup: not again after goto lookup");
    }
}
