package tcpsim.explore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpsim.net.Skb;
import tcpsim.scenario.HostSpec;
import tcpsim.scenario.Scenario;

/**
 * A run's trace as a timeline: one lane per actor (a link's wire events in the lane of the host that
 * sent the segment), rows in virtual time. Rendered as text for a terminal, or as an SVG sequence
 * diagram where segments on the wire are arrows from the sending host's lane to the receiving one's.
 */
public final class Timeline {
    /** One trace event: time as printed, its lane, what happened, and for a segment the lane it goes to. */
    public record Event(String time, String kind, int lane, String what, int toLane) {}

    private final List<String> lanes = new ArrayList<>();
    private final Map<String, Integer> laneIndex = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();

    /** Parse a trace ("time kind who what" lines); {@code s} maps addresses to host lanes for segments. */
    public static Timeline of(String trace, Scenario s) {
        Map<String, String> hostOfIp = new LinkedHashMap<>();
        for (HostSpec h : s.hosts()) hostOfIp.put(Skb.ip(h.ip()), h.name());
        return of(trace, hostOfIp);
    }

    /** The same for a topology built in Java. */
    public static Timeline of(String trace, tcpsim.sim.Topology topo) {
        Map<String, String> hostOfIp = new LinkedHashMap<>();
        for (tcpsim.sim.Topology.Host h : topo.hosts()) hostOfIp.put(Skb.ip(h.addr()), h.name());
        return of(trace, hostOfIp);
    }

    private static Timeline of(String trace, Map<String, String> hostOfIp) {
        Timeline t = new Timeline();
        for (String line : trace.split("\n")) {
            String[] p = line.split(" ", 4);
            if (p.length < 4) continue;
            String time = p[0], kind = p[1], who = p[2], what = p[3];
            if (kind.equals("wire")) {
                // "10.0.0.2:40000 > 10.0.0.1:80 S ...": from the source host's lane to the destination's
                String[] w = what.split(" ", 4);
                String from = w.length > 2 ? hostOfIp.get(w[0].substring(0, Math.max(0, w[0].lastIndexOf(':')))) : null;
                String to = w.length > 2 ? hostOfIp.get(w[2].substring(0, Math.max(0, w[2].lastIndexOf(':')))) : null;
                int fl = t.lane(from != null ? from : who), tl = to != null ? t.lane(to) : -1;
                t.events.add(new Event(time, kind, fl, what, tl));
                continue;
            }
            String lane = who.startsWith("/user/run/") ? who.substring("/user/run/".length()) : who;
            t.events.add(new Event(time, kind, t.lane(lane), what, -1));
        }
        return t;
    }

    private int lane(String name) {
        return laneIndex.computeIfAbsent(name, n -> {
            lanes.add(n);
            return lanes.size() - 1;
        });
    }

    public List<String> lanes() {
        return lanes;
    }

    public List<Event> events() {
        return events;
    }

    /** Text: a legend of lanes, then one row per event with a mark in its lane's column. */
    public String text(String broke) {
        StringBuilder b = new StringBuilder();
        b.append("lanes\n");
        for (int i = 0; i < lanes.size(); i++) b.append(String.format("  %c  %s%n", mark(i), lanes.get(i)));
        b.append('\n');
        for (Event e : events) {
            b.append(String.format("%10s  ", e.time()));
            for (int i = 0; i < lanes.size(); i++) {
                b.append(i == e.lane() ? mark(i) : i == e.toLane() ? '>' : '|');
            }
            String verb = switch (e.kind()) {
                case "deliver" -> "";
                case "wire" -> "segment: ";
                default -> e.kind() + ": ";
            };
            b.append("  ").append(mark(e.lane())).append(' ').append(verb).append(e.what()).append('\n');
        }
        if (broke != null) b.append("\n").append(broke).append('\n');
        return b.toString();
    }

    /** Lane marks: A..Z, then a..z, then 0..9. */
    static char mark(int i) {
        String m = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return i < m.length() ? m.charAt(i) : '*';
    }

    /** An SVG sequence diagram: lanes as columns, events as rows, segments as arrows between hosts. */
    public String svg(String title, String broke) {
        int laneW = 150, rowH = 18, top = 70, left = 90;
        int width = left + lanes.size() * laneW + 420;
        int height = top + events.size() * rowH + 60;
        StringBuilder b = new StringBuilder();
        b.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"11\">%n", width, height));
        b.append("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#1f6fb2\"/></marker></defs>\n");
        b.append(String.format("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", esc(title)));
        for (int i = 0; i < lanes.size(); i++) {
            int x = left + i * laneW + laneW / 2;
            b.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>%n", x, top - 10, x, height - 40));
            b.append(String.format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>%n", x, top - 20 - (i % 2) * 12, esc(shorten(lanes.get(i), 22))));
        }
        int y = top;
        for (Event e : events) {
            int x = left + e.lane() * laneW + laneW / 2;
            b.append(String.format("<text x=\"5\" y=\"%d\" fill=\"#666\">%s</text>%n", y + 4, e.time()));
            String label = esc(shorten(e.what(), 70));
            if (e.kind().equals("wire") && e.toLane() >= 0) {
                int x2 = left + e.toLane() * laneW + laneW / 2;
                b.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f6fb2\" marker-end=\"url(#arrow)\"/>%n", x, y, x2, y));
                b.append(String.format("<text x=\"%d\" y=\"%d\" fill=\"#1f6fb2\">%s</text>%n", Math.min(x, x2) + 4, y - 3, label));
            } else {
                String color = e.kind().equals("state") ? "#b22" : "#333";
                b.append(String.format("<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>%n", x, y, color));
                b.append(String.format("<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", x + 6, y + 4, color, label));
            }
            y += rowH;
        }
        if (broke != null) b.append(String.format("<text x=\"10\" y=\"%d\" fill=\"#b22\" font-weight=\"bold\">%s</text>%n", y + 20, esc(broke)));
        b.append("</svg>\n");
        return b.toString();
    }

    private static String shorten(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
