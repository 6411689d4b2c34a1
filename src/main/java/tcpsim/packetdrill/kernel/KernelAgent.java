package tcpsim.packetdrill.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.net.wire.Wire;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.Backend.Config;
import tcpsim.packetdrill.Backend.Syscall;
import tcpsim.packetdrill.Backend.SyscallResult;

/**
 * The process that owns the network namespace of a {@link KernelBackend}: started by it under
 * {@code unshare --net}, it refuses to do anything unless {@link NetnsGuard} agrees that the
 * namespace is its own, then serves {@link AgentProtocol} requests on stdin/stdout until stdin
 * closes. Everything it creates (tun0, routes, sockets, sysctl values) lives and dies with the
 * namespace, that is, with this process.
 *
 * <p>Threads: the main thread serves requests in order; one thread reads tun0, timestamps each
 * packet as it leaves the kernel and sends it to the parent at once; calls run on worker threads,
 * so that a blocking call can wait in the kernel while packets are injected, and its return is
 * sent the moment it happens. All of them run under SCHED_RR as packetdrill's do ({@link Realtime}).
 */
public final class KernelAgent {
    /** Requests served before time 0, so that the request path is compiled when the script starts. */
    private static final int WARM_UP_ROUNDS = 40;
    private static final long SHELL_LIMIT_S = 60;
    private static final Pattern SYSCTL_KEY = Pattern.compile("[A-Za-z0-9_\\-]+([./][A-Za-z0-9_\\-]+)*");

    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "syscall");
        t.setDaemon(true);
        return t;
    });
    private Config config;
    private TunDevice tun;
    private KernelSyscalls syscalls;
    private long epochNanos;
    private final Writer out;

    private KernelAgent(Writer out) {
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        // stdout carries the protocol only: anything else printing goes to stderr.
        Writer rpc = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        long launcherNetns = args.length == 1 ? Long.parseLong(args[0]) : -1;
        long netns;
        try {
            netns = NetnsGuard.requireIsolated(launcherNetns);
        } catch (BackendException e) {
            rpc.write(AgentProtocol.line(AgentProtocol.error(e.getMessage())) + "\n");
            rpc.flush();
            System.exit(3);
            return;
        }
        watchLauncher();
        Realtime.enter(); // before any thread of ours exists, so they all inherit it
        KernelAgent agent = new KernelAgent(rpc);
        agent.send(AgentProtocol.NODES.objectNode().put("hello", "tcpsim-kernel-agent").put("netns", netns));
        agent.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        System.exit(0);
    }

    /**
     * Exits when the launching JVM is gone, even in the middle of a long {@code next}: an orphaned
     * agent would keep its namespace, and whatever it holds, alive.
     */
    private static void watchLauncher() {
        // Reparenting, not isAlive(): a dead launcher stays "alive" as a zombie until reaped.
        long launcher = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread t = new Thread(() -> {
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == launcher) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(4);
        }, "launcher-watch");
        t.setDaemon(true);
        t.start();
    }

    /** One line to the parent; replies and events come from several threads. */
    private synchronized void send(ObjectNode line) throws IOException {
        out.write(AgentProtocol.line(line));
        out.write('\n');
        out.flush();
    }

    /** An event from a reader or worker thread; if the parent is gone there is no one left to tell. */
    private void emit(ObjectNode line) {
        try {
            send(line);
        } catch (IOException e) {
            Runtime.getRuntime().halt(5);
        }
    }

    private void serve(BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            ObjectNode reply;
            try {
                reply = handle(AgentProtocol.JSON.readTree(line));
            } catch (BackendException e) {
                reply = AgentProtocol.error(e.getMessage());
            } catch (RuntimeException e) {
                reply = AgentProtocol.error("kernel agent: " + e);
            }
            send(reply);
        }
    }

    private ObjectNode handle(JsonNode req) throws BackendException {
        String op = req.path("op").asText();
        if (!op.equals("start") && config == null) throw new BackendException("kernel agent: '" + op + "' before start");
        switch (op) {
            case "start":
                return start(AgentProtocol.config(req.get("config")));
            case "ping":
                return AgentProtocol.ok();
            case "inject":
                tun.write(AgentProtocol.unb64(req.get("packet")));
                return AgentProtocol.ok();
            case "syscall":
                return syscall(req.get("callId").asInt(), AgentProtocol.syscall(req), req.get("blocking").asBoolean());
            case "sysctl":
                sysctl(req.get("key").asText(), req.get("value").asText());
                return AgentProtocol.ok();
            case "shell": {
                ShellOutcome r = shell(req.get("command").asText());
                return AgentProtocol.ok().put("exitCode", r.exitCode).put("output", r.output);
            }
            case "tcpInfo":
                return AgentProtocol.ok("info", syscalls.tcpInfo(req.get("fd").asInt()));
            case "nstat":
                return AgentProtocol.ok("counters", nstat());
            default:
                throw new BackendException("kernel agent: unknown request '" + op + "'");
        }
    }

    private long now() {
        return (System.nanoTime() - epochNanos) / 1000;
    }

    // ---- start: the namespace as packetdrill's netdev.c sets it up ----

    private ObjectNode start(Config c) throws BackendException {
        if (config != null) throw new BackendException("kernel agent: already started");
        config = c;
        ip("link", "set", "dev", "lo", "up");
        tun = TunDevice.create();
        ip("link", "set", "dev", TunDevice.NAME, "mtu", Integer.toString(c.mtu()), "up");
        ip("addr", "add", Skb.ip(c.localIp()) + "/" + c.prefixLength(), "dev", TunDevice.NAME);
        ip(routeArgs("add").toArray(new String[0]));
        // The qdisc stays the kernel's default, as under packetdrill; defaults.sh replaces it with pfifo.
        syscalls = new KernelSyscalls(c);
        for (Map.Entry<String, String> e : new TreeMap<>(c.sysctls()).entrySet()) sysctl(e.getKey(), e.getValue());
        warmUp();
        Thread reader = new Thread(this::readTun, "tun0-reader");
        reader.setDaemon(true);
        epochNanos = System.nanoTime();
        reader.start();
        return AgentProtocol.ok().put("epochNanos", epochNanos);
    }

    /** The remote's /24 through the gateway on tun0, as packetdrill's route_traffic_to_device. */
    private List<String> routeArgs(String verb) {
        int prefix = config.remoteIp() & 0xffffff00;
        return new ArrayList<>(List.of("route", verb, Skb.ip(prefix) + "/24", "dev", TunDevice.NAME,
            "via", Skb.ip(config.gatewayIp())));
    }

    private void ip(String... args) throws BackendException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        ShellOutcome r = run(cmd);
        if (r.exitCode != 0) {
            throw new BackendException("kernel agent: '" + String.join(" ", cmd) + "' failed: " + r.output.trim());
        }
    }

    /** Every packet the kernel sends out of tun0, sent on as it is read; only TCP and ICMP-about-TCP are of interest. */
    private void readTun() {
        while (true) {
            byte[] d;
            try {
                d = tun.read();
            } catch (BackendException e) {
                emit(failed(now(), e.getMessage()));
                return;
            }
            long t = now();
            try {
                if (Wire.decode(d) == null) continue;
            } catch (IllegalArgumentException e) {
                System.err.println("kernel agent: undecodable packet from tun0: " + e.getMessage());
                continue;
            }
            ObjectNode line = AgentProtocol.NODES.objectNode();
            AgentProtocol.event(line, "packet", t).put("packet", AgentProtocol.b64(d));
            emit(line);
        }
    }

    private static ObjectNode failed(long time, String message) {
        ObjectNode line = AgentProtocol.NODES.objectNode();
        AgentProtocol.event(line, "failed", time).put("message", message == null ? "unknown failure" : message);
        return line;
    }

    /**
     * The first call of each kind costs milliseconds (JNA binds the libc symbol, classes load, a
     * worker thread starts), which a script would see as a late event. So before time 0 every call
     * is made a few times on fd -1, which the kernel refuses (EBADF, EINVAL, EAFNOSUPPORT) without
     * changing anything, and a packet makes one trip through the codec.
     */
    private void warmUp() throws BackendException {
        Arg bad = new Arg.Int(-1);
        Arg sa = new Arg.Sockaddr(2, config.remoteIp(), config.port());
        Arg one = new Arg.IntArray(new long[] {1});
        Arg none = new Arg.Ellipsis();
        List<Syscall> calls = List.of(
            new Syscall("socket", List.of(bad, bad, bad)),
            new Syscall("bind", List.of(bad, sa, none)),
            new Syscall("listen", List.of(bad, new Arg.Int(1))),
            new Syscall("accept", List.of(bad, none, none)),
            new Syscall("connect", List.of(bad, sa, none)),
            new Syscall("close", List.of(bad)),
            new Syscall("shutdown", List.of(bad, new Arg.Int(1))),
            new Syscall("read", List.of(bad, none, new Arg.Int(1))),
            new Syscall("write", List.of(bad, none, new Arg.Int(1))),
            new Syscall("send", List.of(bad, none, new Arg.Int(1), new Arg.Int(0))),
            new Syscall("recv", List.of(bad, none, new Arg.Int(1), new Arg.Int(0))),
            new Syscall("sendto", List.of(bad, none, new Arg.Int(1), new Arg.Int(0), sa, none)),
            new Syscall("setsockopt", List.of(bad, new Arg.Int(1), new Arg.Int(2), one, new Arg.Int(4))),
            new Syscall("getsockopt", List.of(bad, new Arg.Int(1), new Arg.Int(2), one, new Arg.Int(4))),
            new Syscall("fcntl", List.of(bad, new Arg.Int(3))),
            new Syscall("poll", List.of(new Arg.ArrayOf(List.of(new Arg.Struct(Map.of("fd", bad, "events",
                new Arg.Int(1))))), new Arg.Int(1), new Arg.Int(0))),
            new Syscall("epoll_create", List.of(new Arg.Int(0))),
            new Syscall("epoll_wait", List.of(bad, new Arg.Null(), new Arg.Int(1), new Arg.Int(0))));
        for (int round = 0; round < WARM_UP_ROUNDS; round++) {
            for (Syscall call : calls) {
                ObjectNode req = AgentProtocol.syscall(call).put("op", "syscall").put("callId", 0).put("blocking", false);
                try {
                    AgentProtocol.line(handle(AgentProtocol.JSON.readTree(AgentProtocol.line(req))));
                } catch (IOException e) {
                    throw new BackendException("kernel agent: warming up " + call.name() + "(): " + e.getMessage());
                }
            }
        }
        // getsockopt(TCP_INFO) and its decoding, on a socket that never leaves CLOSE
        int fd = Libc.C.socket(2, 1, 6);
        if (fd >= 0) {
            syscalls.tcpInfo(fd);
            Libc.C.close(fd);
        }
        try {
            Future<SyscallResult> f = workers.submit(() -> syscalls.run(calls.get(0)));
            f.get(1, TimeUnit.SECONDS); // the worker for blocking calls
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("kernel agent: interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new BackendException("kernel agent: warming up a worker failed: " + e);
        }
        Skb probe = new Skb(config.localIp(), config.remoteIp(), config.port(), 9, 1, 2, Skb.SYN | Skb.ACK, 1000,
            List.of(new TcpOption.Mss(1460), new TcpOption.SackPermitted(), new TcpOption.Timestamp(1, 2),
                new TcpOption.Nop(), new TcpOption.WindowScale(7)));
        Wire.decode(AgentProtocol.unb64(AgentProtocol.NODES.textNode(AgentProtocol.b64(Wire.encode(probe)))));
    }

    // ---- system calls ----

    private ObjectNode syscall(int callId, Syscall call, boolean blocking) throws BackendException {
        ObjectNode reply = AgentProtocol.ok();
        if (blocking) {
            workers.submit(() -> {
                ObjectNode line = AgentProtocol.NODES.objectNode();
                try {
                    SyscallResult r = syscalls.run(call);
                    AgentProtocol.event(line, "done", now()).put("callId", callId).set("result", AgentProtocol.result(r));
                } catch (BackendException | RuntimeException ex) {
                    line = failed(now(), call.name() + "(): " + ex.getMessage());
                }
                emit(line);
            });
            reply.putNull("result");
            return reply;
        }
        // On this thread, as packetdrill makes a non-blocking call on its main thread: a hand-off to
        // a worker and back would add two wake-ups to every call. If it blocks after all, the
        // parent gives up on the agent (KernelBackend.NONBLOCKING_LIMIT_MS).
        reply.set("result", AgentProtocol.result(syscalls.run(call)));
        return reply;
    }

    // ---- sysctl ----

    /**
     * Writes /proc/sys/KEY in this namespace. A value already in place is not written (some keys
     * are read-only in a netns, e.g. net.core.rmem_max). tcp_congestion_control is restricted to
     * net.ipv4.tcp_allowed_congestion_control outside the init namespace; then the algorithm is set
     * on the route to the remote ({@code congctl}), which TCP honours per destination
     * (tcp_init_congestion_control via the route's RTAX_CC_ALGO).
     */
    private void sysctl(String key, String value) throws BackendException {
        Path path = sysctlPath(key);
        String dotted = path.toString().substring("/proc/sys/".length()).replace('/', '.');
        String current = null;
        try {
            current = Files.readString(path);
        } catch (IOException writeOnly) {
            // e.g. net.ipv4.route.flush (mode 0200): nothing to compare with
        }
        if (current != null && normalize(current).equals(normalize(value))) return;
        try {
            Files.writeString(path, value.strip() + "\n");
        } catch (IOException e) {
            if (dotted.equals("net.ipv4.tcp_congestion_control")) {
                List<String> args = routeArgs("change");
                args.addAll(List.of("congctl", value.strip()));
                ip(args.toArray(new String[0]));
                return;
            }
            throw new BackendException("sysctl " + dotted + "=" + value.strip() + " cannot be set in the namespace: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    /** "net.ipv4.tcp_rmem", "net/ipv4/tcp_rmem" and "/proc/sys/net/ipv4/tcp_rmem" all name one file. */
    static Path sysctlPath(String key) throws BackendException {
        String k = key.strip();
        if (k.startsWith("/proc/sys/")) k = k.substring("/proc/sys/".length());
        if (!SYSCTL_KEY.matcher(k).matches() || k.contains("..")) {
            throw new BackendException("not a sysctl name: '" + key + "'");
        }
        Path p = Path.of("/proc/sys", k.replace('.', '/'));
        if (!Files.exists(p)) throw new BackendException("no such sysctl: " + k.replace('/', '.'));
        return p;
    }

    private static String normalize(String v) {
        return v.strip().replaceAll("\\s+", " ");
    }

    // ---- counters ----

    /**
     * Values in /proc/net/snmp that are settings, not counters: nstat leaves them out. (It drops
     * the gauge TcpCurrEstab too, which is kept here, as the model's Mib keeps it.)
     */
    private static final Set<String> MIB_SETTINGS = Set.of("IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm",
        "TcpRtoMin", "TcpRtoMax", "TcpMaxConn");

    /**
     * This namespace's non-zero counters: /proc/net/snmp and /proc/net/netstat give per group a
     * line of names and a line of values ("Tcp: ... OutSegs ..." / "Tcp: ... 3 ..."), which nstat
     * joins into "TcpOutSegs". The namespace is the agent's own, so they count from its start.
     */
    private static Map<String, Long> nstat() throws BackendException {
        Map<String, Long> counters = new LinkedHashMap<>();
        for (Path file : List.of(Path.of("/proc/net/snmp"), Path.of("/proc/net/netstat"))) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new BackendException("kernel agent: cannot read " + file + ": " + e.getMessage());
            }
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                String[] names = lines.get(i).split("\\s+"), values = lines.get(i + 1).split("\\s+");
                String group = names[0].substring(0, names[0].length() - 1);
                for (int j = 1; j < Math.min(names.length, values.length); j++) {
                    long v = Long.parseLong(values[j]);
                    if (v != 0 && !MIB_SETTINGS.contains(group + names[j])) counters.put(group + names[j], v);
                }
            }
        }
        return counters;
    }

    // ---- shell ----

    private record ShellOutcome(int exitCode, String output) {}

    private ShellOutcome shell(String command) throws BackendException {
        return run(List.of("sh", "-c", command));
    }

    /** Runs a command in the namespace with stdin from /dev/null (stdin is the protocol's). */
    private static ShellOutcome run(List<String> cmd) throws BackendException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            Thread drain = new Thread(() -> {
                try (InputStream s = p.getInputStream()) {
                    s.transferTo(buf);
                } catch (IOException ignored) {
                    // the process is gone; what was read is kept
                }
            }, "shell-output");
            drain.start();
            if (!p.waitFor(SHELL_LIMIT_S, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new BackendException("'" + String.join(" ", cmd) + "' still running after " + SHELL_LIMIT_S + " s");
            }
            drain.join(1000); // a background child may keep the pipe open; keep what was read
            return new ShellOutcome(p.exitValue(), buf.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BackendException("cannot run '" + String.join(" ", cmd) + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("kernel agent: interrupted");
        }
    }
}
