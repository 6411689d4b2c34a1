package tcpsim.packetdrill;

import java.util.List;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/**
 * Packets and expressions as packetdrill prints them (packet_to_string.c): flags,
 * {@code start:end(len)}, {@code ack}, {@code win} and the option list, in script-relative numbers.
 */
final class PacketText {
    private PacketText() {}

    /** A script packet as written: no window unless the script gives one. */
    static String script(Action.TcpPacket p) {
        return ipInfo(p.ip()) + tcp(p.flags(), p.seq(), p.payload(), p.ack(), p.window() < 0 ? null : p.window(),
            p.options(), true);
    }

    /**
     * A segment the stack sent, already in script space.
     *
     * @param withTsVal false to print the TSval as {@code *}, for comparing runs where packetdrill
     *     would not check it
     */
    static String actual(Skb s, boolean withTsVal) {
        String ecn = switch (s.tos() & 3) {
            case Action.IpInfo.ECT_0 -> "[ect0] ";
            case Action.IpInfo.ECT_1 -> "[ect1] ";
            case Action.IpInfo.CE -> "[ce] ";
            default -> "";
        };
        return ecn + tcp(s.flags(), Integer.toUnsignedLong(s.seq()), s.len(), Integer.toUnsignedLong(s.ackSeq()),
            s.window(), s.options(), withTsVal);
    }

    static String tcp(int flags, long seq, int len, long ack, Integer window, List<TcpOption> options,
                      boolean withTsVal) {
        StringBuilder b = new StringBuilder();
        b.append(Skb.flagString(flags)).append(' ')
            .append(seq & 0xffffffffL).append(':').append((seq + len) & 0xffffffffL).append('(').append(len).append(')');
        if ((flags & Skb.ACK) != 0) b.append(" ack ").append(ack & 0xffffffffL);
        if (window != null) b.append(" win ").append(window);
        if (options == null) {
            b.append(" <...>");
        } else if (!options.isEmpty()) {
            b.append(" <");
            for (int i = 0; i < options.size(); i++) {
                if (i > 0) b.append(',');
                TcpOption o = options.get(i);
                if (!withTsVal && o instanceof TcpOption.Timestamp ts) {
                    b.append("TS val * ecr ").append(Integer.toUnsignedString(ts.ecr()));
                } else {
                    b.append(o);
                }
            }
            b.append('>');
        }
        return b.toString();
    }

    private static String ipInfo(Action.IpInfo ip) {
        return switch (ip.check()) {
            case NONE -> "";
            case ECT01 -> "[ect01] ";
            case TOS -> String.format("(tos 0x%x) ", ip.value());
            case ECN -> switch (ip.value()) {
                case Action.IpInfo.ECT_0 -> "[ect0] ";
                case Action.IpInfo.ECT_1 -> "[ect1] ";
                case Action.IpInfo.CE -> "[ce] ";
                default -> "[noecn] ";
            };
        };
    }

    /** An argument or result as the script wrote it. */
    static String expr(Expr e) {
        if (e instanceof Expr.Int i) return Long.toString(i.value());
        if (e instanceof Expr.Word w) return w.name();
        if (e instanceof Expr.Ellipsis) return "...";
        if (e instanceof Expr.Str s) return "\"" + s.raw() + "\"";
        if (e instanceof Expr.Or o) return expr(o.left()) + "|" + expr(o.right());
        if (e instanceof Expr.ListOf l) return "[" + join(l.items()) + "]";
        if (e instanceof Expr.StructOf s) return "{" + join(s.items()) + "}";
        if (e instanceof Expr.Call c) return c.function() + "(" + join(c.args()) + ")";
        Expr.Named n = (Expr.Named) e;
        return n.name() + (n.params().isEmpty() ? "" : "(" + join(n.params()) + ")") + "=" + expr(n.value());
    }

    static String call(Action.SyscallSpec s) {
        return s.name() + "(" + join(s.args()) + ")";
    }

    private static String join(List<Expr> items) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) b.append(", ");
            b.append(expr(items.get(i)));
        }
        return b.toString();
    }
}
