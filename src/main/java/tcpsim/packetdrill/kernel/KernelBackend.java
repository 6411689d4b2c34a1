package tcpsim.packetdrill.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.net.wire.Wire;
import tcpsim.packetdrill.Backend;

/**
 * The live kernel as a packetdrill backend, with the host left alone: {@link #start} launches a
 * {@link KernelAgent} JVM under {@code unshare --net}, so tun0, its address and route, every socket
 * and every sysctl live in a network namespace that exists only as long as that process. Each
 * Backend call becomes one request/reply line on the agent's stdin/stdout ({@link AgentProtocol}).
 *
 * <p>{@code new KernelBackend()} then {@code start(config)}; {@link #close} ends the agent and with
 * it the namespace. Needs root (CAP_SYS_ADMIN for unshare, CAP_NET_ADMIN inside),
 * {@code /dev/net/tun}, util-linux {@code unshare} and iproute2 {@code ip} (and {@code tc}, used
 * if present).
 *
 * <p>Timestamps are taken in the agent as packets leave tun0 and as calls return, on the same
 * CLOCK_MONOTONIC the parent reads in {@link #nowMicros}. The agent pushes those observations as
 * they happen, so {@link #next} only waits on a local queue. As packetdrill does for itself, the
 * agent and the thread driving the script run under SCHED_RR ({@link Realtime}) while the backend
 * is up, and every call path is exercised once before time 0: on a loaded machine a cold path or
 * a scheduler slice would otherwise show up as a late event.
 */
public final class KernelBackend implements Backend {
    private static final long STARTUP_TIMEOUT_MS = 30_000, CALL_TIMEOUT_MS = 10_000, SHELL_TIMEOUT_MS = 90_000;
    /** Round trips made before time 0, so that the parent's and the agent's request paths are compiled. */
    private static final int WARM_UP_PINGS = 200, WARM_UP_CALLS = 50;
    private static final int F_GETFL = 3;
    /**
     * How long a call the script says cannot block may take: the agent makes such a call on its
     * request thread, as packetdrill does, so one that blocks anyway leaves the agent stuck.
     */
    private static final long NONBLOCKING_LIMIT_MS = 2000;
    private static final int STDERR_TAIL_LINES = 20;
    private static final String EOF = "\u0000EOF";

    private volatile Process agent;
    private Thread stderrPump;
    private volatile Writer requests;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
    /** Event lines as the agent pushed them, decoded by {@link #next}. */
    private final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    /** An event {@link #next} took that lay past its deadline: the next call returns it. */
    private Observed held;
    /** The thread {@link #start} put under SCHED_RR, to put back in {@link #close}. */
    private int realtimeTid = -1;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private long epochNanos;
    /** Set once the agent stopped answering or was closed: every later call fails with this. */
    private volatile String broken;

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public synchronized void start(Config config) throws BackendException {
        if (agent != null) throw new BackendException("kernel backend already started");
        preflight();
        realtimeTid = Realtime.enter(); // the agent, started from this thread, inherits it
        try {
            launch(config);
        } catch (BackendException e) {
            close();
            throw e;
        }
    }

    private void launch(Config config) throws BackendException {
        long netns = NetnsGuard.netnsInode(Path.of("/proc/self/ns/net"))
            .orElseThrow(() -> new BackendException("kernel backend: cannot read /proc/self/ns/net"));
        List<String> cmd = List.of("unshare", "--net", "--",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:+DisplayVMOutputToStderr", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
            "-XX:-UsePerfData", "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), KernelAgent.class.getName(), Long.toString(netns));
        try {
            agent = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new BackendException("kernel backend: cannot start the agent: " + e.getMessage());
        }
        requests = new OutputStreamWriter(agent.getOutputStream(), StandardCharsets.UTF_8);
        pump(new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8)), true);
        stderrPump = pump(new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8)), false);
        JsonNode hello = reply("start", STARTUP_TIMEOUT_MS,
            () -> "kernel agent did not start within " + STARTUP_TIMEOUT_MS + " ms");
        if (!hello.has("hello")) throw new BackendException("kernel agent: unexpected greeting " + hello);
        ObjectNode req = request("start");
        req.set("config", AgentProtocol.config(config));
        epochNanos = call(req, STARTUP_TIMEOUT_MS).get("epochNanos").asLong();
        for (int i = 0; i < WARM_UP_PINGS; i++) call(request("ping"), CALL_TIMEOUT_MS);
        // This side of calls, blocking or not (fd -1: the kernel refuses them, nothing changes), and of a packet.
        Syscall probe = new Syscall("fcntl", List.of(new Arg.Int(-1), new Arg.Int(F_GETFL)));
        for (int i = 0; i < WARM_UP_CALLS; i++) syscall(0, probe, false);
        Syscall blocking = new Syscall("accept", List.of(new Arg.Int(-1), new Arg.Ellipsis(), new Arg.Ellipsis()));
        for (int i = 1; i <= WARM_UP_CALLS; i++) {
            syscall(-i, blocking, true);
            Observed done = next(nowMicros() + 1_000_000);
            if (!(done instanceof CallDone d) || d.callId() != -i) {
                throw new BackendException("kernel agent: a warm-up accept(-1) did not return: " + done);
            }
        }
        Wire.decode(Wire.encode(new Skb(config.remoteIp(), config.localIp(), 9, config.port(), 1, 0, Skb.SYN, 1000,
            List.of(new TcpOption.Mss(1460), new TcpOption.Nop(), new TcpOption.WindowScale(7)))));
    }

    /** One clear line instead of a failure deep inside the agent. */
    private static void preflight() throws BackendException {
        int uid;
        try {
            uid = Libc.C.geteuid();
        } catch (LinkageError e) {
            throw new BackendException("kernel backend needs Linux and its libc (JNA could not load it: " + e.getMessage() + ")");
        }
        Path tun = Path.of("/dev/net/tun");
        if (uid != 0 || !Files.exists(tun)) {
            throw new BackendException("kernel backend needs root and /dev/net/tun (running as uid " + uid
                + (Files.exists(tun) ? "" : ", no /dev/net/tun") + ")");
        }
        for (String tool : List.of("unshare", "ip")) {
            if (!onPath(tool)) {
                throw new BackendException("kernel backend needs '" + tool + "' on PATH (util-linux, iproute2)");
            }
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** Copies the agent's stdout (protocol lines) to the reply queue, or its stderr to the tail kept for errors. */
    private Thread pump(BufferedReader in, boolean protocol) {
        Thread t = new Thread(() -> {
            if (protocol) Realtime.enter(); // it hands every event on; it dies with the agent
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    if (protocol && AgentProtocol.isEvent(line)) events.add(line);
                    else if (protocol && line.startsWith("{")) replies.add(line);
                    else keepStderr(line);
                }
            } catch (IOException e) {
                keepStderr("kernel backend: reading the agent: " + e.getMessage());
            }
            if (protocol) {
                replies.add(EOF);
                events.add(EOF);
            }
        }, protocol ? "kernel-agent-stdout" : "kernel-agent-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void keepStderr(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            if (stderrTail.size() > STDERR_TAIL_LINES) stderrTail.removeFirst();
        }
    }

    @Override
    public long nowMicros() {
        return (System.nanoTime() - epochNanos) / 1000;
    }

    @Override
    public synchronized Observed next(long deadlineMicros) throws BackendException {
        if (broken != null) throw new BackendException(broken);
        if (agent == null) throw new BackendException("kernel backend not started");
        Observed o = held;
        held = null;
        try {
            if (o == null) o = decode(events.poll());
            while (o == null) {
                long wait = deadlineMicros - nowMicros();
                if (wait <= 0) break;
                o = decode(events.poll(wait, TimeUnit.MICROSECONDS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted waiting for the kernel agent");
        }
        // Agent times are never ahead of our clock, so only a deadline already past can be exceeded.
        if (o != null && o.timeMicros() > deadlineMicros) {
            held = o;
            return null;
        }
        return o;
    }

    /** An event line as an observation; null for no line. */
    private Observed decode(String line) throws BackendException {
        if (line == null) return null;
        if (line.equals(EOF)) throw fail("kernel agent exited");
        JsonNode ev;
        try {
            ev = AgentProtocol.JSON.readTree(line).get("event");
        } catch (IOException e) {
            throw fail("kernel agent sent an unreadable event: " + line);
        }
        long t = ev.get("time").asLong();
        switch (ev.get("type").asText()) {
            case "packet":
                return new Outbound(t, Wire.decode(AgentProtocol.unb64(ev.get("packet"))));
            case "done":
                return new CallDone(t, ev.get("callId").asInt(), AgentProtocol.result(ev.get("result")));
            case "failed":
                throw new BackendException(ev.get("message").asText());
            default:
                throw fail("kernel agent sent an unknown event: " + line);
        }
    }

    @Override
    public synchronized void inject(Packet packet) throws BackendException {
        call(request("inject").put("packet", AgentProtocol.b64(Wire.encode(packet))), CALL_TIMEOUT_MS);
    }

    @Override
    public synchronized SyscallResult syscall(int callId, Syscall call, boolean blocking) throws BackendException {
        ObjectNode req = request("syscall").put("callId", callId).put("blocking", blocking);
        req.setAll(AgentProtocol.syscall(call));
        if (blocking) return AgentProtocol.result(call(req, CALL_TIMEOUT_MS).get("result"));
        return AgentProtocol.result(call(req, NONBLOCKING_LIMIT_MS, () -> call.name() + "() blocked for "
            + NONBLOCKING_LIMIT_MS + " ms; a call that may block needs a blocking (t...t_end) line").get("result"));
    }

    @Override
    public synchronized void sysctl(String key, String value) throws BackendException {
        call(request("sysctl").put("key", key).put("value", value), CALL_TIMEOUT_MS);
    }

    @Override
    public synchronized ShellResult shell(String command) throws BackendException {
        JsonNode r = call(request("shell").put("command", command), SHELL_TIMEOUT_MS);
        return new ShellResult(r.get("exitCode").asInt(), r.get("output").asText(), false);
    }

    @Override
    public synchronized Map<String, Long> tcpInfo(int fd) throws BackendException {
        return AgentProtocol.longs(call(request("tcpInfo").put("fd", fd), CALL_TIMEOUT_MS).get("info"));
    }

    /** Read in the agent: /proc/net is the reading process's namespace, and the agent is in ours. */
    @Override
    public synchronized Map<String, Long> nstat() throws BackendException {
        return AgentProtocol.longs(call(request("nstat"), CALL_TIMEOUT_MS).get("counters"));
    }

    /**
     * Ends the agent; the kernel then tears down its namespace with tun0, routes and sockets. Not
     * synchronized: it may come from another thread while a call waits on the agent, which then
     * fails.
     */
    @Override
    public void close() {
        Process agent = this.agent;
        if (!closed.compareAndSet(false, true)) return;
        Realtime.restore(realtimeTid);
        if (agent == null) return;
        broken = "kernel backend closed";
        // Shell commands the script left running would keep the namespace alive; once the agent
        // is gone they are orphans that can no longer be found from it.
        List<ProcessHandle> leftovers = agent.descendants().toList();
        try {
            requests.close(); // EOF on stdin: the agent exits
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!agent.waitFor(2, TimeUnit.SECONDS)) agent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            agent.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        leftovers.forEach(ProcessHandle::destroyForcibly);
    }

    // ---- request/reply ----

    private static ObjectNode request(String op) {
        return AgentProtocol.NODES.objectNode().put("op", op);
    }

    private JsonNode call(ObjectNode req, long timeoutMs) throws BackendException {
        String op = req.get("op").asText();
        return call(req, timeoutMs, () -> "kernel agent did not answer '" + op + "' within " + timeoutMs + " ms");
    }

    /** One request and its reply; {@code silence} says what it means when none comes in time. */
    private JsonNode call(ObjectNode req, long timeoutMs, Supplier<String> silence) throws BackendException {
        if (broken != null) throw new BackendException(broken);
        if (agent == null) throw new BackendException("kernel backend not started");
        try {
            requests.write(AgentProtocol.line(req));
            requests.write('\n');
            requests.flush();
        } catch (IOException e) {
            throw fail("kernel agent is gone (" + e.getMessage() + ")");
        }
        return reply(req.get("op").asText(), timeoutMs, silence);
    }

    private JsonNode reply(String op, long timeoutMs, Supplier<String> silence) throws BackendException {
        String line;
        try {
            line = replies.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted waiting for the kernel agent");
        }
        if (line == null) throw fail(silence.get());
        if (line.equals(EOF)) throw fail("kernel agent exited during '" + op + "'");
        JsonNode n;
        try {
            n = AgentProtocol.JSON.readTree(line);
        } catch (IOException e) {
            throw fail("kernel agent sent an unreadable reply: " + line);
        }
        if (n.has("error")) throw new BackendException(n.get("error").asText());
        return n;
    }

    /** The agent can no longer be trusted to be in step: remember why, and say what it last printed. */
    private BackendException fail(String why) {
        try {
            if (agent.waitFor(200, TimeUnit.MILLISECONDS)) stderrPump.join(1000); // its last words
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String last;
        synchronized (stderrTail) {
            last = stderrTail.isEmpty() ? "" : ": " + stderrTail.peekLast();
        }
        broken = why + last;
        return new BackendException(broken);
    }
}
