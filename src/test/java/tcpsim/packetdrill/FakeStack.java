package tcpsim.packetdrill;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/**
 * A test backend in virtual time that behaves like a tiny, correct Linux stack for a passive open:
 * SYN in to a listener gives a SYN-ACK with the options the peer offered (in tcp_options_write's
 * layout), the handshake ACK makes the connection acceptable (completing a blocking accept), data
 * is ACKed at once, write sends one segment, close sends a FIN. It records every sysctl and shell
 * command so tests can check what the runner asked for.
 */
final class FakeStack implements Backend {
    static final int ISN = 1_000_000;
    /** The stack's TSval clock: ms ticks from this base. */
    static final int TS_BASE = 7_000;

    private record Pending(long time, Observed observed) {}

    private final String name;

    private final List<Pending> queue = new ArrayList<>();
    final List<String> sysctls = new ArrayList<>();
    final List<String> shellCommands = new ArrayList<>();
    final Set<String> refusedSysctls = new HashSet<>();
    final List<Packet> injected = new ArrayList<>();
    /** Delay before the SYN-ACK goes out, µs. */
    long synAckDelay;
    /** The window scale the SYN-ACK offers. */
    int wscale = 8;
    /** The window of segments after the SYN-ACK. */
    int window = 502;
    /** Ticks added to the TSval of segments after the SYN-ACK (clock jitter between two stacks). */
    int tsJitter;
    boolean closed;
    Config config;

    private long now;
    private int nextFd = 3;
    private int listenFd = -1;
    private int listenPort;
    private Conn conn;
    private final List<Integer> acceptQueue = new ArrayList<>();
    private final Map<Integer, Conn> conns = new HashMap<>();
    private Integer blockedAccept;
    private Integer blockedConnect;
    private int connectFd;

    private static final class Conn {
        int localIp, remoteIp, localPort, remotePort;
        int sndNxt, rcvNxt;
        boolean ts, sack, wscale;
        int tsRecent;
        int state = 3; // TCP_SYN_RECV
        int readable;
    }

    FakeStack() {
        this("model");
    }

    FakeStack(String name) {
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override public void start(Config config) {
        this.config = config;
    }

    @Override public long nowMicros() { return now; }

    @Override public Observed next(long deadline) {
        if (!queue.isEmpty() && queue.get(0).time() <= deadline) {
            Pending p = queue.remove(0);
            now = Math.max(now, p.time());
            return p.observed();
        }
        now = Math.max(now, deadline);
        return null;
    }

    private void emit(long at, Observed o) {
        int k = 0;
        while (k < queue.size() && queue.get(k).time() <= at) k++;
        queue.add(k, new Pending(at, o));
    }

    private void send(Conn c, long at, int flags, int len, List<TcpOption> extra) {
        List<TcpOption> opts = new ArrayList<>(extra);
        if (c.ts && (flags & Skb.SYN) == 0) {
            opts.add(new TcpOption.Nop());
            opts.add(new TcpOption.Nop());
            opts.add(new TcpOption.Timestamp(tsVal(at) + tsJitter, c.tsRecent));
        }
        Skb s = new Skb(c.localIp, c.remoteIp, c.localPort, c.remotePort, c.sndNxt, c.rcvNxt, flags,
            (flags & Skb.SYN) != 0 ? 65535 : window, opts, len, 0);
        emit(at, new Outbound(at, s));
    }

    private static int tsVal(long at) {
        return TS_BASE + (int) (at / 1000);
    }

    @Override public void inject(Packet packet) {
        injected.add(packet);
        if (!(packet instanceof Skb skb)) return;
        if (skb.syn() && !skb.ack() && listenFd >= 0 && skb.dport() == listenPort) {
            Conn c = new Conn();
            c.localIp = skb.daddr();
            c.remoteIp = skb.saddr();
            c.localPort = skb.dport();
            c.remotePort = skb.sport();
            c.sndNxt = ISN;
            c.rcvNxt = skb.seq() + 1;
            TcpOption.Timestamp ts = skb.option(TcpOption.Timestamp.class);
            c.ts = ts != null;
            if (ts != null) c.tsRecent = ts.val();
            c.sack = skb.option(TcpOption.SackPermitted.class) != null;
            c.wscale = skb.option(TcpOption.WindowScale.class) != null;
            conn = c;
            // include/net/tcp.h tcp_options_write() order for a SYN-ACK.
            List<TcpOption> o = new ArrayList<>(List.of(new TcpOption.Mss(1460)));
            if (c.ts) {
                if (c.sack) o.add(new TcpOption.SackPermitted());
                else { o.add(new TcpOption.Nop()); o.add(new TcpOption.Nop()); }
                o.add(new TcpOption.Timestamp(tsVal(now + synAckDelay), c.tsRecent));
            } else if (c.sack) {
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.SackPermitted());
            }
            if (c.wscale) {
                o.add(new TcpOption.Nop());
                o.add(new TcpOption.WindowScale(wscale));
            }
            send(c, now + synAckDelay, Skb.SYN | Skb.ACK, 0, o);
            c.sndNxt++;
            return;
        }
        Conn c = conn;
        if (c == null || skb.sport() != c.remotePort) return;
        TcpOption.Timestamp ts = skb.option(TcpOption.Timestamp.class);
        if (ts != null) c.tsRecent = ts.val();
        if (c.state == 2 && skb.syn() && skb.ack() && skb.ackSeq() == c.sndNxt) {
            c.state = 1;
            c.rcvNxt = skb.seq() + 1;
            c.ts = ts != null;
            conns.put(connectFd, c);
            send(c, now, Skb.ACK, 0, List.of());
            if (blockedConnect != null) {
                emit(now, new CallDone(now, blockedConnect, SyscallResult.ok(0)));
                blockedConnect = null;
            }
            return;
        }
        if (c.state == 3 && skb.ack() && skb.ackSeq() == c.sndNxt) {
            c.state = 1; // TCP_ESTABLISHED
            int fd = nextFd++;
            conns.put(fd, c);
            if (blockedAccept != null) {
                emit(now, new CallDone(now, blockedAccept, SyscallResult.ok(fd)));
                blockedAccept = null;
            } else {
                acceptQueue.add(fd);
            }
        }
        if (skb.len() > 0 || skb.fin()) {
            c.rcvNxt = skb.seq() + skb.len() + (skb.fin() ? 1 : 0);
            c.readable += skb.len();
            if (skb.fin()) c.state = 8; // TCP_CLOSE_WAIT
            send(c, now, Skb.ACK, 0, List.of());
        }
    }

    @Override public SyscallResult syscall(int callId, Syscall call, boolean blocking) {
        List<Arg> a = call.args();
        switch (call.name()) {
            case "socket":
                return SyscallResult.ok(nextFd++);
            case "setsockopt":
            case "bind":
                if (call.name().equals("bind")) listenPort = ((Arg.Sockaddr) a.get(1)).port();
                return SyscallResult.ok(0);
            case "listen":
                listenFd = (int) ((Arg.Int) a.get(0)).value();
                return SyscallResult.ok(0);
            case "connect": {
                Arg.Sockaddr to = (Arg.Sockaddr) a.get(1);
                Conn c = new Conn();
                c.localIp = config.localIp();
                c.localPort = 40000;
                c.remoteIp = to.ip();
                c.remotePort = to.port();
                c.sndNxt = ISN * 2;
                c.state = 2; // TCP_SYN_SENT
                conn = c;
                connectFd = (int) ((Arg.Int) a.get(0)).value();
                send(c, now, Skb.SYN, 0, List.of(new TcpOption.Mss(1460), new TcpOption.SackPermitted(),
                    new TcpOption.Timestamp(tsVal(now), 0), new TcpOption.Nop(), new TcpOption.WindowScale(wscale)));
                c.sndNxt++;
                if (blocking) {
                    blockedConnect = callId;
                    return null;
                }
                return SyscallResult.error("EINPROGRESS");
            }
            case "accept":
                if (!acceptQueue.isEmpty()) return SyscallResult.ok(acceptQueue.remove(0));
                if (blocking) {
                    blockedAccept = callId;
                    return null;
                }
                return SyscallResult.error("EAGAIN");
            case "write": {
                Conn c = conns.get((int) ((Arg.Int) a.get(0)).value());
                int n = (int) ((Arg.Int) a.get(2)).value();
                send(c, now, Skb.PSH | Skb.ACK, n, List.of());
                c.sndNxt += n;
                return SyscallResult.ok(n);
            }
            case "read": {
                Conn c = conns.get((int) ((Arg.Int) a.get(0)).value());
                int n = Math.min(c.readable, (int) ((Arg.Int) a.get(2)).value());
                if (n == 0) return SyscallResult.error("EAGAIN");
                c.readable -= n;
                return SyscallResult.ok(n);
            }
            case "close": {
                Conn c = conns.remove((int) ((Arg.Int) a.get(0)).value());
                if (c != null) {
                    send(c, now, Skb.FIN | Skb.ACK, 0, List.of());
                    c.sndNxt++;
                }
                return SyscallResult.ok(0);
            }
            default:
                return SyscallResult.error("EOPNOTSUPP");
        }
    }

    @Override public void sysctl(String key, String value) throws BackendException {
        sysctls.add(key + "=" + value);
        if (refusedSysctls.contains(key)) throw new BackendException("permission denied");
    }

    @Override public ShellResult shell(String command) {
        shellCommands.add(command);
        return ShellResult.notModeled(command);
    }

    @Override public Map<String, Long> tcpInfo(int fd) {
        Conn c = conns.get(fd);
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("tcpi_state", c == null ? 10L : c.state);
        long options = 0;
        if (c != null) options = (c.ts ? 1 : 0) | (c.sack ? 2 : 0) | (c.wscale ? 4 : 0);
        m.put("tcpi_options", options);
        m.put("tcpi_snd_mss", 1000L);
        return m;
    }

    /** The fake keeps no counters. */
    @Override public Map<String, Long> nstat() {
        return Map.of();
    }

    @Override public void close() {
        closed = true;
    }
}
