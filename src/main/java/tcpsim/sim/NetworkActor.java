package tcpsim.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import tcpsim.app.ClientAppActor;
import tcpsim.app.RunStats;
import tcpsim.app.ServerAppActor;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.link.Faults;
import tcpsim.link.LinkActor;
import tcpsim.link.Wire;
import tcpsim.link.WireTap;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Trace;

/**
 * The root of one run (/user/run): spawns a host per namespace, a link per pair, then starts the
 * applications in their hosts. Stopping it stops the whole run.
 */
public final class NetworkActor {
    private NetworkActor() {}

    /** Namespaces are built by the caller, so it can read their counters and sockets afterwards. */
    public static Behavior<Void> create(Topology topo, Map<String, NetNs> namespaces, long seed, RunStats stats,
                                        Clock clock, Trace trace, WireTap tap) {
        return create(topo, namespaces, seed, stats, clock, trace, tap, Faults.NONE);
    }

    /** As above, with links an explorer may fault (every link then gets an actor, zero-delay ones too). */
    public static Behavior<Void> create(Topology topo, Map<String, NetNs> namespaces, long seed, RunStats stats,
                                        Clock clock, Trace trace, WireTap tap, Faults faults) {
        return Behaviors.setup(ctx -> {
            Map<String, ActorRef<HostActor.Command>> hosts = new LinkedHashMap<>();
            for (Topology.Host h : topo.hosts()) {
                hosts.put(h.name(), ctx.spawn(HostActor.create(namespaces.get(h.name())), h.name()));
            }
            int i = 0;
            for (Topology.Link l : topo.links()) {
                NetNs a = namespaces.get(l.a()), b = namespaces.get(l.b());
                Map<Integer, ActorRef<HostActor.Command>> byAddr = new HashMap<>();
                byAddr.put(a.addr, hosts.get(l.a()));
                byAddr.put(b.addr, hosts.get(l.b()));
                String name = "link-" + l.a() + "-" + l.b();
                Wire wire = new Wire(name, l.loss(), seed * 31 + (i++), clock, trace, tap);
                if (l.delayNanos() == 0 && !faults.any()) {
                    a.route(b.addr, wire, hosts.get(l.b()));
                    b.route(a.addr, wire, hosts.get(l.a()));
                } else {
                    ActorRef<LinkActor.Command> link = ctx.spawn(LinkActor.create(wire, byAddr, l.delayNanos(), clock, faults), name);
                    a.route(b.addr, link);
                    b.route(a.addr, link);
                }
            }
            for (Topology.App app : topo.apps()) {
                ActorRef<HostActor.Command> host = hosts.get(app.host());
                if (app instanceof Topology.Server s) {
                    host.tell(new HostActor.Spawn(ServerAppActor.create(s.params(), namespaces.get(app.host()), stats, clock), s.params().name()));
                } else if (app instanceof Topology.Client c) {
                    host.tell(new HostActor.Spawn(ClientAppActor.create(c.params(), namespaces.get(app.host()), stats, clock), c.params().name()));
                }
            }
            return Behaviors.empty();
        });
    }

    /** Per-namespace seed: the scenario seed and the host's position, mixed. */
    public static long hostSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
