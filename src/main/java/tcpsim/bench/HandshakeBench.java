package tcpsim.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.bench.kernel.HandshakeRate;
import tcpsim.bench.kernel.KernelHandshakeBench;
import tcpsim.bench.kernel.KernelReference;
import tcpsim.bench.kernel.MethodRuns;
import tcpsim.bench.kernel.RateWorker;
import tcpsim.bench.kernel.SlabPerConnection;
import tcpsim.host.SlabActor;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.sim.SimRun;
import tcpsim.sim.Topology;

/**
 * tcpsim bench handshake: the model's handshake rate (deterministic and wild, one after another and
 * 1,000 in flight), messages per handshake, the runtime's bare-message ceiling, heap per established
 * connection, and the same machine's kernel on loopback, measured in the same run.
 */
public final class HandshakeBench {
    private HandshakeBench() {}

    static final int SERVER = Skb.ip("10.0.0.1");

    /**
     * Connections per client host: well under the even half of a 1024-65535 range, so connect()'s
     * port search stays short (near exhaustion it walks the whole range, as the kernel does).
     */
    static final int PER_CLIENT_HOST = 10_000;

    /** A server and {@code clientHosts} client hosts across zero-delay links (loopback-like). */
    static Topology topology(int clientHosts, int perHost, int inFlight) {
        Sysctls client = Sysctls.defaults().with("net.ipv4.ip_local_port_range", "1024 65535");
        List<Topology.Host> hosts = new ArrayList<>();
        List<Topology.Link> links = new ArrayList<>();
        List<Topology.App> apps = new ArrayList<>();
        hosts.add(new Topology.Host("server", SERVER, Sysctls.defaults(), 1500));
        apps.add(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 4096, true, false, Integer.MAX_VALUE)));
        for (int i = 0; i < clientHosts; i++) {
            String name = "client" + i;
            hosts.add(new Topology.Host(name, SERVER + 1 + i, client, 1500));
            links.add(new Topology.Link(name, "server", 0, 0));
            // one after another: a blocking connect(); in flight: one event-loop thread with non-blocking
            // sockets, as a real high-concurrency client (and the kernel's connect() calls never overlap)
            apps.add(new Topology.Client(name, new ClientAppActor.Params("cli", 1_000_000, SERVER, 80, perHost, 0,
                inFlight, false, false, inFlight > 1)));
        }
        return new Topology(hosts, links, apps);
    }

    /** One figure: handshakes per second of wall time (best and median run), and messages per handshake. */
    public record Rate(String name, int handshakes, double wallSeconds, double medianWallSeconds, long messages) {
        public double perSecond() {
            return handshakes / wallSeconds;
        }

        public double medianPerSecond() {
            return handshakes / medianWallSeconds;
        }

        public double messagesPerHandshake() {
            return (double) messages / handshakes;
        }
    }

    static Rate modelRate(Simulation sim, String name, int handshakes, int inFlight, int repeats) {
        int perHost = Math.min(handshakes, PER_CLIENT_HOST);
        int hosts = (handshakes + perHost - 1) / perHost;
        Topology topo = topology(hosts, perHost, inFlight);
        // warm-up at full size: the JIT needs several runs (10k handshakes: 2.8 s cold, 0.13 s warm)
        for (int w = 0; w < repeats + 2; w++) SimRun.run(sim, topo, 100 + w, 600_000_000_000L, Trace.OFF, (n, p) -> {});
        double[] walls = new double[repeats];
        long messages = 0;
        for (int r = 0; r < repeats; r++) {
            SimRun.Result res = SimRun.run(sim, topo, 1 + r, 600_000_000_000L, Trace.OFF, (n, p) -> {});
            long ok = res.stats().counts().values().stream().mapToLong(m -> m.getOrDefault("connected", 0L)).sum();
            if (ok != (long) hosts * perHost) throw new IllegalStateException(name + ": only " + ok + " handshakes completed");
            walls[r] = res.wallNanos() / 1e9;
            messages = res.deliveries();
        }
        java.util.Arrays.sort(walls);
        return new Rate(name, hosts * perHost, walls[0], walls[repeats / 2], messages);
    }

    record Ping(ActorRef<Ping> replyTo, int left) {}

    /** The runtime's ceiling: ns per bare message between two actors on the deterministic executor. */
    static double bareMessageNanos(int messages) {
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 5; r++) {
                Behavior<Ping> echo = Behaviors.receive(Ping.class).onMessage(Ping.class, p -> {
                    if (p.left() > 0) p.replyTo().tell(new Ping(null, p.left() - 1));
                    return Behaviors.same();
                }).build();
                sim.startRun(Behaviors.<Object>setup(ctx -> {
                    ActorRef<Ping> a = ctx.spawn(Behaviors.setup(c2 -> {
                        ActorRef<Ping> b = c2.spawn(echo, "b");
                        ActorRef<Ping> self = c2.getSelf();
                        b.tell(new Ping(self, messages));
                        return Behaviors.receive(Ping.class).onMessage(Ping.class, p -> {
                            if (p.left() > 0) b.tell(new Ping(self, p.left() - 1));
                            return Behaviors.same();
                        }).build();
                    }), "a");
                    return Behaviors.empty();
                }));
                long d0 = sim.deliveries();
                long t0 = System.nanoTime();
                sim.runUntilQuiescent();
                long t = System.nanoTime() - t0;
                long n = sim.deliveries() - d0;
                best = Math.min(best, (double) t / n);
                sim.stopRun();
            }
            return best;
        }
    }

    /**
     * The runtime's other floor: ns to spawn and start one actor, under one parent holding
     * {@code children} of them (Akka keeps a parent's children in an immutable sorted tree).
     */
    static double spawnNanos(int children) {
        int repeats = Math.max(5, 100_000 / children);
        record Go(int n) {}
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                ActorRef<Go> root = sim.startRun(Behaviors.setup(ctx -> Behaviors.receive(Go.class).onMessage(Go.class, g -> {
                    for (int i = 0; i < g.n(); i++) ctx.spawn(Behaviors.<Object>empty(), "sock-" + i);
                    return Behaviors.same();
                }).build()));
                sim.drain();
                long t0 = System.nanoTime();
                root.tell(new Go(children));
                sim.runUntilQuiescent();
                best = Math.min(best, (double) (System.nanoTime() - t0) / children);
                sim.stopRun();
            }
            return best;
        }
    }

    static long usedHeap() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap bytes per established connection, both ends, with {@code connections} held open. */
    static double heapPerConnection(int connections) {
        int perHost = PER_CLIENT_HOST;
        int hosts = Math.max(1, connections / perHost);
        try (Simulation sim = Simulation.deterministic(Strategy.fifo())) {
            SimRun.run(sim, topology(1, 1000, 1000), 1, Long.MAX_VALUE, Trace.OFF, (n, p) -> {}); // warm-up
            long before = usedHeap();
            long[] after = new long[1];
            SimRun.Result r = SimRun.run(sim, topology(hosts, perHost, 1000), 1, 600_000_000_000L, Trace.OFF, (n, p) -> {},
                hs -> after[0] = usedHeap(), SimRun.Progress.NONE);
            long ok = r.stats().counts().values().stream().mapToLong(m -> m.getOrDefault("connected", 0L)).sum();
            return (double) (after[0] - before) / ok;
        }
    }

    /** Every method's runs, what is doubtful about each, and which one the ratios are taken against. */
    static void printReference(KernelReference.Measured kr, java.io.PrintStream out) {
        kr.hostWarning().ifPresent(w -> out.println("  WARNING: " + w));
        kr.cMissing().ifPresent(w -> out.println("  no C reference: " + w));
        out.printf("  kernel loopback, %s, %d client threads + 1 acceptor, SO_LINGER 0%n",
            kr.hostWarning().isPresent() ? "host network namespace"
                : "private network namespace (lo up, ip_local_port_range " + RateWorker.PORT_RANGE + ", somaxconn "
                    + RateWorker.SOMAXCONN + ")",
            KernelHandshakeBench.DEFAULT_CLIENT_THREADS);
        out.printf("    %-38s %12s %7s %9s  %s%n", "method", "median/s", "spread", "CPU us/hs", "runs/s");
        for (MethodRuns m : kr.methods()) {
            List<String> doubts = m.doubts(kr.fastest());
            out.printf("    %-38s %,12.0f %6.0f%% %9.1f  %s%s%s%n", m.method().label(), m.perSecond(), 100 * m.spread(),
                m.cpuMicrosPerHandshake(),
                String.join(" ", m.runs().stream().map(r -> String.format("%,.0f", r.perSecond())).toList()),
                m.method() == kr.reference() ? "   <- reference" : "",
                doubts.isEmpty() ? "" : "   (" + String.join("; ", doubts) + ")");
        }
        kr.notes().forEach(n -> out.println("    note: " + n));
        out.println("    (CPU us/hs: the measuring process's CPU per handshake, loopback softirq work included;"
            + " it moves less with other load than the rate)");
        out.printf("  x kernel below is against %s, %,.0f handshakes/s%s%n", kr.reference().label(), kr.perSecond(),
            kr.referenceDoubts().isEmpty() ? ""
                : "; THIS REFERENCE LOOKS WRONG: " + String.join("; ", kr.referenceDoubts()));
    }

    public static Map<String, Object> run(boolean quick, java.io.PrintStream out) throws Exception {
        Map<String, Object> j = new LinkedHashMap<>();
        int n = quick ? 5_000 : 20_000;
        int repeats = quick ? 1 : 5;
        out.println("tcpsim bench handshake" + (quick ? " (quick)" : "") + ": " + n + " handshakes per figure, best and median of "
            + repeats + " runs");

        KernelReference.Measured kr;
        out.print("  kernel loopback reference, 3 methods x 3 runs ");
        try (KernelReference ref = KernelReference.start()) {
            kr = ref.measure(3, KernelHandshakeBench.DEFAULT_CLIENT_THREADS, 1, quick ? 1 : 3, out);
        }
        out.println();
        printReference(kr, out);
        double kernel = kr.perSecond();

        List<Rate> rates = new ArrayList<>();
        try (Simulation det = Simulation.deterministic(Strategy.fifo())) {
            rates.add(modelRate(det, "deterministic, one after another", n, 1, repeats));
            rates.add(modelRate(det, "deterministic, 1,000 in flight", n, 1000, repeats));
        }
        try (Simulation wild = Simulation.wild()) {
            rates.add(modelRate(wild, "wild, one after another", quick ? 1_000 : 5_000, 1, repeats));
            rates.add(modelRate(wild, "wild, 1,000 in flight", n, 1000, repeats));
        }
        double bare = bareMessageNanos(quick ? 200_000 : 1_000_000);
        double spawn = spawnNanos(SlabActor.OBJECTS);
        int heapN = quick ? 25_000 : 100_000;
        double heap = heapPerConnection(heapN);
        SlabPerConnection slab = KernelHandshakeBench.measureSlabPerConnection(heapN);

        out.println();
        out.printf("  %-40s %12s %9s %12s %9s %8s%n", "", "handshakes/s", "x kernel", "median run", "x kernel", "msgs/hs");
        out.printf("  %-40s %,12.0f %9s %12s %9s %8s%n", "kernel, loopback, " + kr.reference().key(), kernel,
            "1.00", "", "", "-");
        List<Map<String, Object>> jr = new ArrayList<>();
        for (Rate r : rates) {
            out.printf("  %-40s %,12.0f %9.2f %,12.0f %9.2f %8s%n", "model, " + r.name(), r.perSecond(), r.perSecond() / kernel,
                r.medianPerSecond(), r.medianPerSecond() / kernel,
                r.messages() > 0 ? String.format("%.1f", r.messagesPerHandshake()) : "-");
            jr.add(Map.of("name", r.name(), "handshakes", r.handshakes(), "per_second", r.perSecond(),
                "ratio_to_kernel", r.perSecond() / kernel, "median_per_second", r.medianPerSecond(),
                "median_ratio_to_kernel", r.medianPerSecond() / kernel, "messages_per_handshake", r.messagesPerHandshake()));
        }
        double msgs = rates.get(0).messagesPerHandshake();
        out.printf("%n  runtime ceiling: a bare message costs %.0f ns on the deterministic executor;%n", bare);
        out.printf("  at %.1f messages per handshake that caps the model at %,.0f handshakes/s (%.2f x kernel)%n",
            msgs, 1e9 / (bare * msgs), 1e9 / (bare * msgs) / kernel);
        double floor = bare * msgs + 2 * spawn;
        out.printf("  spawning and starting an actor in a slab of %d costs %.0f ns; with the 2 actors a connection%n",
            SlabActor.OBJECTS, spawn);
        out.printf("  creates (socket, child; request actors are reused) the cap is %,.0f handshakes/s (%.2f x kernel)%n",
            1e9 / floor, 1e9 / floor / kernel);
        out.printf("%n  memory per established connection (both ends, %,d held open)%n", heapN);
        out.printf("    kernel slab   %,8.0f bytes%n", slab.slabBytesPerConnection());
        out.printf("    model heap    %,8.0f bytes   (%.2f x kernel)%n", heap, heap / slab.slabBytesPerConnection());

        j.put("kernel_per_second", kernel);
        j.put("kernel_reference_method", kr.reference().key());
        j.put("kernel_reference_doubts", kr.referenceDoubts());
        j.put("kernel_namespace", kr.hostWarning().isPresent() ? "host" : "private");
        kr.hostWarning().ifPresent(w -> j.put("kernel_host_warning", w));
        kr.cMissing().ifPresent(w -> j.put("kernel_c_missing", w));
        j.put("kernel_client_threads", KernelHandshakeBench.DEFAULT_CLIENT_THREADS);
        Map<String, Object> methods = new LinkedHashMap<>();
        for (MethodRuns m : kr.methods()) {
            Map<String, Object> jm = new LinkedHashMap<>();
            jm.put("label", m.method().label());
            jm.put("per_second", m.perSecond());
            jm.put("runs_per_second", m.runs().stream().map(HandshakeRate::perSecond).toList());
            jm.put("spread", m.spread());
            jm.put("cpu_us_per_handshake", m.cpuMicrosPerHandshake());
            jm.put("extra_runs", m.extraRuns());
            jm.put("other_cpu_share", m.median().otherCpuShare());
            jm.put("doubts", m.doubts(kr.fastest()));
            methods.put(m.method().key(), jm);
        }
        j.put("kernel_methods", methods);
        j.put("kernel_notes", kr.notes());
        j.put("model", jr);
        j.put("bare_message_ns", bare);
        j.put("spawn_ns", spawn);
        j.put("kernel_slab_bytes_per_connection", slab.slabBytesPerConnection());
        j.put("model_heap_bytes_per_connection", heap);
        j.put("connections_held", heapN);
        return j;
    }
}
