package tcpsim.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpsim.link.WireTap;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.Report;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.SimRun;

/**
 * tcpsim bench scale: N concurrent established connections in one deterministic run, made the way
 * {@code tcpsim run} makes them (a scenario file, loaded and checked, turned into a topology), with
 * wall time, messages and heap per connection at each size.
 */
public final class ScaleBench {
    private ScaleBench() {}

    public static final List<Integer> DEFAULT_SIZES = List.of(1_000, 10_000, 100_000, 1_000_000);

    /** Clients per client host: a sixth of a 1024-65535 range, so connect()'s walk stays short. */
    static final int PER_HOST = 10_000;

    /**
     * A scenario as a user writes it: one server accepting everything and keeping it, and client
     * hosts of {@value #PER_HOST} connect()s each across zero-delay links, one every microsecond from
     * 1 ms (after the listener exists), so each host's port searches run one after another.
     */
    public static String scenario(int connections) {
        int hosts = (connections + PER_HOST - 1) / PER_HOST;
        StringBuilder b = new StringBuilder();
        b.append("# tcpsim bench scale: ").append(connections).append(" connections, ").append(hosts)
            .append(" client host(s)\nseed = 1\nhosts {\n");
        b.append("  server { ip = \"10.0.0.1\", sysctl { net.core.somaxconn = 65535 } }\n");
        for (int i = 0; i < hosts; i++) {
            int a = 2 + i;
            b.append("  c").append(i).append(" { ip = \"10.1.").append(a >> 8).append('.').append(a & 0xFF)
                .append("\", sysctl { net.ipv4.ip_local_port_range = \"1024 65535\" } }\n");
        }
        b.append("}\nlinks = [\n");
        for (int i = 0; i < hosts; i++) b.append("  { between = [c").append(i).append(", server] }\n");
        b.append("]\napps = [\n  { host = server, listen { port = 80, backlog = 65535 }, accept = all }\n");
        for (int i = 0; i < hosts; i++) {
            int count = Math.min(PER_HOST, connections - i * PER_HOST);
            b.append("  { host = c").append(i).append(", connect { to = \"server:80\" }, count = ").append(count)
                .append(", start = 1ms, every = 1us }\n");
        }
        return b.append("]\nrun { until = 60s }\n").toString();
    }

    /** One size's figures; heap is measured after GC with every connection still held. */
    public record Size(int connections, long established, long accepted, long messages, double wallSeconds,
                       double reportSeconds, long heapBytes) {
        public double wallMicrosPerConnection() {
            return wallSeconds * 1e6 / connections;
        }

        public double messagesPerConnection() {
            return (double) messages / connections;
        }

        public double heapBytesPerConnection() {
            return (double) heapBytes / connections;
        }
    }

    /** Load the scenario as {@code run} does, run it deterministically, measure heap before stopping. */
    static Size measure(int connections, Path dir, PrintStream progress) throws IOException {
        Path file = dir.resolve("scale-" + connections + ".conf");
        Files.writeString(file, scenario(connections));
        Scenario s = ScenarioLoader.load(file);
        try (Simulation sim = Simulation.deterministic(Strategy.named("fifo", s.seed()))) {
            long before = HandshakeBench.usedHeap();
            long[] held = new long[1];
            long[] lastPrint = {System.nanoTime()};
            SimRun.Progress p = (virtual, messages) -> {
                if (System.nanoTime() - lastPrint[0] > 5_000_000_000L) {
                    lastPrint[0] = System.nanoTime();
                    progress.printf("  %,d connections: virtual %s s, %,d messages%n", connections, Trace.time(virtual), messages);
                }
            };
            SimRun.Result r = SimRun.run(sim, ScenarioTopology.from(s), s.seed(), s.untilNanos(), Trace.OFF, WireTap.NONE,
                hosts -> held[0] = HandshakeBench.usedHeap() - before, p);
            long t0 = System.nanoTime();
            Report.text("scale", r);
            double report = (System.nanoTime() - t0) / 1e9;
            long established = 0, accepted = 0;
            for (Map<String, Long> m : r.stats().counts().values()) {
                established += m.getOrDefault("connected", 0L);
                accepted += m.getOrDefault("accepted", 0L);
            }
            return new Size(connections, established, accepted, r.deliveries(), r.wallNanos() / 1e9, report, held[0]);
        }
    }

    /** Runs each size once, smallest first (it warms the JIT for the rest), and prints the table. */
    public static Map<String, Object> run(List<Integer> sizes, Path keep, PrintStream out, PrintStream progress) throws IOException {
        Path dir = keep != null ? Files.createDirectories(keep) : Files.createTempDirectory("tcpsim-scale");
        List<Size> done = new ArrayList<>();
        try {
            out.printf("tcpsim bench scale: one deterministic run per size, %,d clients per client host%n", PER_HOST);
            out.printf("  %12s %12s %10s %10s %12s %10s %10s%n", "connections", "established", "wall s", "us/conn",
                "msgs/conn", "heap B/conn", "report s");
            // warm-up, not reported: a cold JIT would make the small sizes look slow and flatter the ratio
            int warm = Math.min(10_000, sizes.stream().mapToInt(Integer::intValue).max().orElse(0));
            progress.printf("  warm-up: %,d connections ...%n", warm);
            measure(warm, dir, progress);
            Files.deleteIfExists(dir.resolve("scale-" + warm + ".conf"));
            for (int n : sizes) {
                progress.printf("  %,d connections ...%n", n);
                Size z = measure(n, dir, progress);
                done.add(z);
                out.printf("  %,12d %,12d %10.2f %10.1f %12.1f %,10.0f %10.2f%n", z.connections(), z.established(),
                    z.wallSeconds(), z.wallMicrosPerConnection(), z.messagesPerConnection(), z.heapBytesPerConnection(),
                    z.reportSeconds());
            }
        } finally {
            if (keep == null) {
                for (int n : sizes) Files.deleteIfExists(dir.resolve("scale-" + n + ".conf"));
                Files.deleteIfExists(dir);
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Size z : done) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("connections", z.connections());
            row.put("established", z.established());
            row.put("accepted", z.accepted());
            row.put("messages", z.messages());
            row.put("wall_seconds", z.wallSeconds());
            row.put("wall_us_per_connection", z.wallMicrosPerConnection());
            row.put("messages_per_connection", z.messagesPerConnection());
            row.put("heap_bytes_per_connection", z.heapBytesPerConnection());
            row.put("report_seconds", z.reportSeconds());
            rows.add(row);
        }
        j.put("clients_per_host", PER_HOST);
        j.put("sizes", rows);
        Size big = done.stream().filter(z -> z.connections() == 1_000_000).findFirst().orElse(null);
        Size ref = done.stream().filter(z -> z.connections() == 10_000).findFirst().orElse(null);
        if (big != null && ref != null) {
            double t = big.wallMicrosPerConnection() / ref.wallMicrosPerConnection();
            double m = big.messagesPerConnection() / ref.messagesPerConnection();
            double h = big.heapBytesPerConnection() / ref.heapBytesPerConnection();
            out.printf("%n  10^6 / 10^4 per connection: wall %.2f x, messages %.2f x, heap %.2f x (target: wall and heap <= 1.5 x)%n", t, m, h);
            j.put("ratio_1e6_to_1e4", Map.of("wall", t, "messages", m, "heap", h));
        }
        return j;
    }
}
