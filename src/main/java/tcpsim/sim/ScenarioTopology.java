package tcpsim.sim;

import java.util.ArrayList;
import java.util.List;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.scenario.AppSpec;
import tcpsim.scenario.ClientApp;
import tcpsim.scenario.HostSpec;
import tcpsim.scenario.LinkSpec;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ServerApp;

/** Turns a checked scenario into the topology a run builds. */
public final class ScenarioTopology {
    private ScenarioTopology() {}

    /** Interface MTU of every host: Ethernet. */
    public static final int MTU = 1500;

    /** A scenario asks for something the model does not do yet. */
    public static final class NotModelled extends RuntimeException {
        public NotModelled(String message) {
            super(message);
        }
    }

    public static Topology from(Scenario s) {
        List<Topology.Host> hosts = new ArrayList<>();
        for (HostSpec h : s.hosts()) hosts.add(new Topology.Host(h.name(), h.ip(), h.sysctls(), MTU));
        List<Topology.Link> links = new ArrayList<>();
        for (LinkSpec l : s.links()) links.add(new Topology.Link(l.a(), l.b(), l.delayNanos(), l.loss()));
        List<Topology.App> apps = new ArrayList<>();
        int i = 0;
        for (AppSpec a : s.apps()) {
            i++;
            if (a instanceof ServerApp sv) {
                if (sv.closeAfterNanos().isPresent()) throw notModelled(s, "close after accept");
                apps.add(new Topology.Server(sv.host(), new ServerAppActor.Params("app" + i + "-listen-" + sv.port(),
                    sv.startNanos(), sv.address(), sv.port(), sv.backlog(), sv.reuseaddr(), sv.reuseport(), sv.accept(),
                    sv.closeListenerAtNanos().orElse(-1), sv.closeListenerAfterAccepts())));
            } else if (a instanceof ClientApp c) {
                if (c.closeAfterNanos().isPresent()) throw notModelled(s, "close after connect");
                if (c.bindPort().isPresent()) throw notModelled(s, "bind before connect");
                int daddr = s.host(c.target()).ip();
                apps.add(new Topology.Client(c.host(), new ClientAppActor.Params("app" + i + "-connect-" + c.target() + "-" + c.port(),
                    c.startNanos(), daddr, c.port(), c.count(), c.everyNanos(), 0, c.reuseaddr(), c.reuseport())));
            }
        }
        return new Topology(hosts, links, apps, s.inject(), s.explore());
    }

    private static NotModelled notModelled(Scenario s, String what) {
        return new NotModelled(s.source() + ": " + what + " is not modelled yet (connection teardown and bind-then-connect come in later issues)");
    }
}
