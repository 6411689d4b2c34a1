package tcpsim.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.net.Skb;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Trace;

/** What a run shows a person (text) and a script (a JSON-ready map): outcomes, ss, nstat, times. */
public final class Report {
    private Report() {}

    /** Per host, list sockets one by one up to this many; beyond it, counts per state. */
    static final int SS_ROWS = 20;

    /** One ss -tan row. */
    public record SsRow(String state, int recvQ, int sendQ, String local, String peer) {}

    public static List<SsRow> ss(NetNs ns) {
        List<TcpSock> socks;
        synchronized (ns.socks) {
            socks = new ArrayList<>(ns.socks);
        }
        List<SsRow> rows = new ArrayList<>();
        for (TcpSock sk : socks) {
            if (sk.skState == TcpState.CLOSE) continue; // unhashed: not in ss, as in the kernel
            boolean listen = sk.skState == TcpState.LISTEN;
            var l = listen ? ns.listeners(sk.inetNum).stream().filter(e -> e.sk() == sk).findFirst().orElse(null) : null;
            int recvQ = l != null ? l.queue().skAckBacklog.get() : 0;
            int sendQ = listen ? sk.skMaxAckBacklog : 0;
            String local = Skb.ip(sk.inetSaddr) + ":" + (sk.inetNum == 0 ? "*" : sk.inetNum);
            String peer = sk.inetDport == 0 ? "0.0.0.0:*" : Skb.ip(sk.inetDaddr) + ":" + sk.inetDport;
            rows.add(new SsRow(sk.skState.ssName(), recvQ, sendQ, local, peer));
        }
        return rows;
    }

    public static String text(String title, SimRun.Result r) {
        StringBuilder b = new StringBuilder();
        b.append(title).append('\n');
        b.append("  virtual time ").append(Trace.time(r.virtualNanos())).append(" s   wall ")
            .append(String.format("%.3f", r.wallNanos() / 1e9)).append(" s   ").append(r.deliveries())
            .append(" messages delivered\n\n");

        b.append("Outcomes\n");
        Map<String, Map<String, Long>> counts = r.stats().counts();
        if (counts.isEmpty()) b.append("  (no application finished a call)\n");
        counts.forEach((app, m) -> {
            b.append("  ").append(app).append(":");
            m.forEach((k, v) -> b.append("  ").append(k).append(' ').append(v));
            b.append('\n');
        });
        List<RunStats.Conn> conns = r.stats().conns();
        if (!conns.isEmpty() && conns.size() <= SS_ROWS) {
            for (RunStats.Conn c : conns) {
                b.append(String.format("    %-28s #%-4d %11s -> %11s  %s%n", c.app(), c.index(),
                    Trace.time(c.startNanos()), Trace.time(c.endNanos()), c.result()));
            }
        }

        b.append("\nss -tan\n");
        for (NetNs ns : r.hosts().values()) {
            List<SsRow> rows = ss(ns);
            b.append("  ").append(ns.name).append(" (").append(Skb.ip(ns.addr)).append(")\n");
            if (rows.isEmpty()) {
                b.append("    (no sockets)\n");
            } else if (rows.size() <= SS_ROWS) {
                b.append(String.format("    %-11s %6s %6s  %-21s %-21s%n", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"));
                for (SsRow row : rows) {
                    b.append(String.format("    %-11s %6d %6d  %-21s %-21s%n", row.state(), row.recvQ(), row.sendQ(), row.local(), row.peer()));
                }
            } else {
                Map<String, Integer> byState = new TreeMap<>();
                for (SsRow row : rows) byState.merge(row.state(), 1, Integer::sum);
                b.append("    ").append(rows.size()).append(" sockets:");
                byState.forEach((s, n) -> b.append("  ").append(s).append(' ').append(n));
                b.append('\n');
            }
        }

        b.append("\nnstat (counters that moved)\n");
        for (NetNs ns : r.hosts().values()) {
            Map<String, Long> nz = ns.net.mib.nonZero();
            b.append("  ").append(ns.name).append(nz.isEmpty() ? "  (none)" : "").append('\n');
            nz.forEach((k, v) -> b.append(String.format("    %-28s %d%n", k, v)));
        }
        if (!r.appsDone()) b.append("\nnote: the run ended (time limit or nothing left to do) before every client finished\n");
        return b.toString();
    }

    public static Map<String, Object> json(String scenario, long seed, String mode, String strategy, SimRun.Result r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("scenario", scenario);
        j.put("seed", seed);
        j.put("mode", mode);
        j.put("strategy", strategy);
        j.put("virtual_time_s", r.virtualNanos() / 1e9);
        j.put("wall_time_s", r.wallNanos() / 1e9);
        j.put("messages", r.deliveries());
        j.put("apps_done", r.appsDone());
        j.put("outcomes", r.stats().counts());
        List<Map<String, Object>> conns = new ArrayList<>();
        for (RunStats.Conn c : r.stats().conns()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", c.app());
            m.put("index", c.index());
            m.put("start_s", c.startNanos() / 1e9);
            m.put("end_s", c.endNanos() / 1e9);
            m.put("result", c.result());
            conns.add(m);
        }
        j.put("connections", conns);
        Map<String, Object> hosts = new LinkedHashMap<>();
        for (NetNs ns : r.hosts().values()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("address", Skb.ip(ns.addr));
            h.put("sockets", ss(ns));
            h.put("nstat", ns.net.mib.nonZero());
            hosts.put(ns.name, h);
        }
        j.put("hosts", hosts);
        return j;
    }
}
