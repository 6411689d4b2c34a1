package tcpsim.packetdrill.model;

import akka.actor.typed.ActorRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.host.SlabActor;
import tcpsim.net.Icmp;
import tcpsim.net.Mib;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.TcpOption;
import tcpsim.net.ipv4.Errno;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.Tcp;
import tcpsim.packetdrill.Backend;
import tcpsim.packetdrill.LinuxConstants;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.sock.SocketActor;

/**
 * The model as a packetdrill backend: one model host ({@link NetNs} with its {@link HostActor}) in
 * a deterministic {@link Simulation}, whose route to the script's remote address ends at the
 * scripted peer ({@link ModelRun}). Time is virtual: a script's 60 s wait costs no wall time, and
 * the same script gives the same run every time.
 *
 * <p>The host starts at the first event rather than in {@link #start}: a namespace's sysctls are
 * fixed when it is made ({@code NetNs.sysctl}), and the init command's writes come after start.
 * A write after that is refused as not modelled.
 *
 * <p>What the model does not cover is an error naming it, never a silent difference: system calls
 * other than socket, bind, listen, accept, connect, close, setsockopt (SO_REUSEADDR, SO_REUSEPORT,
 * TCP_SYNCNT, TCP_MAXSEG) and fcntl (F_GETFL, F_SETFL O_NONBLOCK); ICMP; sysctls the model does not
 * read or values that need behaviour it lacks (tcp_ecn=1); inbound data, FIN after the handshake
 * began, Fast Open and ECN SYNs; and every path the model itself marks "not modelled" (a segment
 * to a synchronized socket, close() of one, a SYN the kernel would answer with a syncookie).
 *
 * <p>All calls must come from the thread that created the simulation (its driver).
 */
public final class ModelBackend implements Backend {
    /** The namespace's secrets (ISNs, timestamps offsets, ports) come from this; any fixed value will do. */
    private static final long SEED = 1;
    private static final int FIRST_FD = 3;
    private static final long AF_INET = c("AF_INET"), AF_UNSPEC = c("AF_UNSPEC"), SOCK_STREAM = c("SOCK_STREAM"),
        SOCK_NONBLOCK = c("SOCK_NONBLOCK"), SOCK_CLOEXEC = c("SOCK_CLOEXEC"), IPPROTO_TCP = c("IPPROTO_TCP"),
        SOL_SOCKET = c("SOL_SOCKET"), SO_REUSEADDR = c("SO_REUSEADDR"), SO_REUSEPORT = c("SO_REUSEPORT"),
        TCP_SYNCNT = c("TCP_SYNCNT"), TCP_MAXSEG = c("TCP_MAXSEG"), F_GETFL = c("F_GETFL"),
        F_SETFL = c("F_SETFL"), O_RDWR = c("O_RDWR"), O_NONBLOCK = c("O_NONBLOCK");
    /** fs/fcntl.c SETFL_MASK without O_NONBLOCK: the other flags F_SETFL may change (O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME). */
    private static final long OTHER_SETFL_FLAGS = 02000 | 020000 | 040000 | 01000000;
    /** include/net/tcp.h: TFO_SERVER_ENABLE | TFO_SERVER_WO_SOCKOPT1, every listener a Fast Open server. */
    private static final int TFO_SERVER_WO_SOCKOPT = 0x2 | 0x400;
    /** include/uapi/linux/tcp.h: tcpi_options bits. */

    private final Simulation sim;
    private final boolean ownsSim;
    /** Called when this run left the simulation unusable, so that no later script is given it. */
    private final Runnable onBroken;
    private Config config;
    private Sysctls sysctls;
    private NetNs ns;
    private ActorRef<ModelRun.Command> run;
    private long epochNanos;
    private boolean closed;

    private final ArrayDeque<Observed> observed = new ArrayDeque<>();
    /** Calls sent to the model whose reply has not been taken yet, by call id. */
    private final Map<Integer, Pending> pending = new HashMap<>();
    /** Replies that came while their call was still being made (at the same instant). */
    private final Map<Integer, SocketActor.Reply> arrived = new HashMap<>();
    private final TreeMap<Integer, Fd> fds = new TreeMap<>();
    private final NotModelled notModelled = new NotModelled();
    private long cookiesSeen;
    /** Ids for the backend's own calls (the runner's are positive). */
    private int internalCallId = -1;

    /** A call in the model: how its reply becomes a result, and whether the runner awaits it via {@link #next}. */
    private static final class Pending {
        final Function<SocketActor.Reply, SyscallResult> finish;
        boolean awaited;

        Pending(Function<SocketActor.Reply, SyscallResult> finish) {
            this.finish = finish;
        }
    }

    /** An fd: the socket's actor and the file's O_NONBLOCK. */
    private static final class Fd {
        final ActorRef<SocketActor.Command> sock;
        boolean nonblock;

        Fd(ActorRef<SocketActor.Command> sock, boolean nonblock) {
            this.sock = sock;
            this.nonblock = nonblock;
        }
    }

    /** A backend on its own simulation, closed with it. */
    public ModelBackend() {
        this(Simulation.deterministic(Strategy.fifo()), true, () -> { });
    }

    /**
     * A backend on a shared deterministic simulation (one run at a time; {@link #close} stops this
     * run and leaves the simulation for the next backend). Much cheaper than a system per script.
     */
    public ModelBackend(Simulation sim) {
        this(sim, false, () -> { });
    }

    private ModelBackend(Simulation sim, boolean ownsSim, Runnable onBroken) {
        if (sim.mode() != Simulation.Mode.DETERMINISTIC) throw new IllegalArgumentException("the model backend needs deterministic mode");
        this.sim = sim;
        this.ownsSim = ownsSim;
        this.onBroken = onBroken;
    }

    /**
     * Backends that share one simulation, made on first use by the thread that asks (a
     * deterministic simulation is driven by the thread that made it); a backend asked for from
     * another thread, or after the shared one failed, gets its own.
     */
    public static Supplier<Backend> factory() {
        return new SharedSimulation();
    }

    /** {@link #factory}'s state: the shared simulation and the thread that drives it. */
    private static final class SharedSimulation implements Supplier<Backend> {
        private Simulation shared;
        private Thread driver;

        @Override
        public synchronized Backend get() {
            if (shared == null) {
                shared = Simulation.deterministic(Strategy.fifo());
                driver = Thread.currentThread();
            }
            if (Thread.currentThread() != driver) return new ModelBackend();
            Simulation sim = shared;
            return new ModelBackend(sim, false, () -> forget(sim));
        }

        private synchronized void forget(Simulation sim) {
            if (shared == sim) shared = null;
        }
    }

    @Override
    public String name() {
        return "model";
    }

    @Override
    public void start(Config c) throws BackendException {
        if (config != null) throw new BackendException("model backend already started");
        Sysctls s = Sysctls.defaults();
        for (Map.Entry<String, String> e : new TreeMap<>(c.sysctls()).entrySet()) {
            s = ModelSysctls.with(s, e.getKey(), e.getValue());
        }
        config = c;
        sysctls = s;
        epochNanos = sim.nowNanos();
    }

    @Override
    public long nowMicros() {
        return (sim.nowNanos() - epochNanos) / 1000;
    }

    /** The host, started on first use with the sysctls written so far. */
    private NetNs host() throws BackendException {
        if (config == null) throw new BackendException("model backend not started");
        if (closed) throw new BackendException("model backend closed");
        if (ns == null) {
            ns = new NetNs("host", config.localIp(), sysctls, config.mtu(), SEED, sim.clock(),
                Trace.to(notModelled, sim.clock()));
            run = sim.startRun(ModelRun.create(ns, config.remoteIp(), new ModelRun.Sink() {
                @Override
                public void transmitted(Packet packet) {
                    observed.addLast(new Outbound(nowMicros(), packet));
                }

                @Override
                public void replied(int callId, SocketActor.Reply reply) {
                    ModelBackend.this.replied(callId, reply);
                }
            }));
            sim.drain();
        }
        return ns;
    }

    @Override
    public Observed next(long deadlineMicros) throws BackendException {
        host();
        if (observed.isEmpty() && deadlineMicros >= nowMicros()) {
            long deadlineNanos = epochNanos + deadlineMicros * 1000;
            sim.runUntil(() -> !observed.isEmpty(), deadlineNanos);
            if (observed.isEmpty() && sim.nowNanos() < deadlineNanos) sim.runFor(deadlineNanos - sim.nowNanos());
        }
        checkModelled();
        Observed o = observed.peekFirst();
        return o != null && o.timeMicros() <= deadlineMicros ? observed.pollFirst() : null;
    }

    @Override
    public void inject(Packet packet) throws BackendException {
        NetNs n = host();
        if (packet instanceof Icmp icmp) {
            throw new BackendException("not modelled: ICMP (type " + icmp.type() + " code " + icmp.code()
                + ") to the host: tcp_v4_err");
        }
        if (packet instanceof Skb skb) refuseUnmodelled(n, skb);
        n.host().tell(new HostActor.Rx(packet));
        sim.drain();
        checkModelled();
    }

    /**
     * Inbound segments whose handling the model lacks, named before they reach it: where the
     * kernel would run code the model does not have, the model would answer as if it had run
     * none. (Segments to synchronized sockets the model reports itself; see checkModelled.)
     */
    private static void refuseUnmodelled(NetNs n, Skb skb) throws BackendException {
        EhashEntry target = n.ehash.get(FourTuple.ofIncoming(skb));
        if (target == null && skb.syn() && !skb.ack() && n.lhash.containsKey(skb.dport())) {
            int tfo = n.net.sysctl.tcpFastopen();
            boolean fastOpenOption = skb.option(TcpOption.FastOpen.class) != null
                || skb.option(TcpOption.FastOpenExp.class) != null;
            if ((tfo & TFO_SERVER_WO_SOCKOPT) == TFO_SERVER_WO_SOCKOPT && (skb.len() > 0 || fastOpenOption)) {
                throw new BackendException("not modelled: TCP Fast Open (tcp_fastopen=0x" + Integer.toHexString(tfo)
                    + " makes every listener a TFO server, and this SYN carries " + (skb.len() > 0 ? "data" : "a cookie option")
                    + ": tcp_try_fastopen)");
            }
            if (n.net.sysctl.tcpEcn() != 0 && (skb.flags() & (Skb.ECE | Skb.CWR)) != 0) {
                throw new BackendException("not modelled: ECN negotiation (a SYN with ECE|CWR while tcp_ecn="
                    + n.net.sysctl.tcpEcn() + ": tcp_ecn_create_request)");
            }
        }
        if (target != null && (skb.len() > 0 || skb.fin())) {
            throw new BackendException("not modelled: data transfer and FIN (a segment with " + skb.len() + " bytes"
                + (skb.fin() ? " and FIN" : "") + " to a connection in its handshake or later)");
        }
    }

    @Override
    public void sysctl(String key, String value) throws BackendException {
        if (config == null) throw new BackendException("model backend not started");
        if (ns != null) {
            throw new BackendException("not modelled: sysctl " + ModelSysctls.normalize(key) + " written after the "
                + "script started (the model fixes a namespace's sysctls when its host starts)");
        }
        sysctls = ModelSysctls.with(sysctls, key, value);
    }

    @Override
    public ShellResult shell(String command) {
        return ShellResult.notModeled(command);
    }

    // ---- system calls ----

    @Override
    public SyscallResult syscall(int callId, Syscall call, boolean blocking) throws BackendException {
        host();
        List<Arg> a = call.args();
        SyscallResult r = switch (call.name()) {
            case "socket" -> socket(a);
            case "bind" -> bind(a);
            case "listen" -> listen(a);
            case "accept" -> {
                Fd fd = fd(a, 0);
                if (fd == null) yield SyscallResult.error("EBADF");
                yield mayBlock(callId, "accept", blocking, inbox -> fd.sock.tell(new SocketActor.Accept(inbox)),
                    reply -> reply.failed() ? error(reply) : SyscallResult.ok(allocate(reply.sock(), false)));
            }
            case "connect" -> connect(callId, a, blocking);
            case "close" -> close(a);
            case "setsockopt" -> setsockopt(a);
            case "fcntl" -> fcntl(a);
            default -> throw new BackendException("not modelled: " + call.name() + "()");
        };
        checkModelled();
        return r;
    }

    /** net/socket.c: __sys_socket for AF_INET, SOCK_STREAM, TCP; SOCK_NONBLOCK sets the file's O_NONBLOCK. */
    private SyscallResult socket(List<Arg> a) throws BackendException {
        long domain = a.get(0) instanceof Arg.Ellipsis ? AF_INET : num(a, 0, "socket");
        long type = num(a, 1, "socket"), protocol = num(a, 2, "socket");
        if (domain != AF_INET || (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM
            || (protocol != 0 && protocol != IPPROTO_TCP)) {
            throw new BackendException("not modelled: socket(" + domain + ", " + type + ", " + protocol
                + "): only AF_INET, SOCK_STREAM, TCP");
        }
        SocketActor.Reply r = now("socket", inbox -> ns.slab().tell(new SlabActor.SocketCall(inbox)));
        boolean nonblock = (type & SOCK_NONBLOCK) != 0;
        if (nonblock) now("socket", inbox -> r.sock().tell(new SocketActor.SetOption(SocketActor.Option.O_NONBLOCK, 1, inbox)));
        return SyscallResult.ok(allocate(r.sock(), nonblock));
    }

    private SyscallResult bind(List<Arg> a) throws BackendException {
        Fd fd = fd(a, 0);
        if (fd == null) return SyscallResult.error("EBADF");
        Arg.Sockaddr sa = sockaddr(a, "bind");
        if (sa.family() != AF_INET) throw new BackendException("not modelled: bind() to address family " + sa.family());
        if (sa.port() == 0) throw new BackendException("not modelled: bind() to port 0 (inet_csk_find_open_port)");
        return result(now("bind", inbox -> fd.sock.tell(new SocketActor.Bind(sa.ip(), sa.port(), inbox))), "bind()");
    }

    private SyscallResult listen(List<Arg> a) throws BackendException {
        Fd fd = fd(a, 0);
        if (fd == null) return SyscallResult.error("EBADF");
        int backlog = (int) num(a, 1, "listen");
        return result(now("listen", inbox -> fd.sock.tell(new SocketActor.Listen(backlog, inbox))),
            "listen() on a socket without a port (inet_csk_get_port's autobind)");
    }

    private SyscallResult connect(int callId, List<Arg> a, boolean blocking) throws BackendException {
        Fd fd = fd(a, 0);
        if (fd == null) return SyscallResult.error("EBADF");
        Arg.Sockaddr sa = sockaddr(a, "connect");
        if (sa.family() == AF_UNSPEC) throw new BackendException("not modelled: connect(AF_UNSPEC) (tcp_disconnect)");
        if (sa.family() != AF_INET) throw new BackendException("not modelled: connect() to address family " + sa.family());
        return mayBlock(callId, "connect", blocking, inbox -> fd.sock.tell(new SocketActor.Connect(sa.ip(), sa.port(), inbox)),
            reply -> reply.failed() ? error(reply) : SyscallResult.ok(0));
    }

    private SyscallResult close(List<Arg> a) throws BackendException {
        int n = (int) num(a, 0, "close");
        Fd fd = fds.get(n);
        if (fd == null) return SyscallResult.error("EBADF");
        SocketActor.Reply r = now("close", inbox -> fd.sock.tell(new SocketActor.Close(inbox)));
        checkModelled();
        SyscallResult res = result(r, "close()");
        if (res.errno() == null) fds.remove(n);
        return res;
    }

    private SyscallResult setsockopt(List<Arg> a) throws BackendException {
        Fd fd = fd(a, 0);
        if (fd == null) return SyscallResult.error("EBADF");
        long level = num(a, 1, "setsockopt"), name = num(a, 2, "setsockopt");
        SocketActor.Option option;
        if (level == SOL_SOCKET && name == SO_REUSEADDR) option = SocketActor.Option.SO_REUSEADDR;
        else if (level == SOL_SOCKET && name == SO_REUSEPORT) option = SocketActor.Option.SO_REUSEPORT;
        else if (level == IPPROTO_TCP && name == TCP_SYNCNT) option = SocketActor.Option.TCP_SYNCNT;
        else if (level == IPPROTO_TCP && name == TCP_MAXSEG) option = SocketActor.Option.TCP_MAXSEG;
        else throw new BackendException("not modelled: setsockopt(" + optionName(level, name) + ")");
        Arg v = a.get(3);
        long value;
        if (v instanceof Arg.IntArray ia && ia.values().length == 1) value = ia.values()[0];
        else if (v instanceof Arg.Int i) value = i.value();
        else throw new BackendException("setsockopt(" + optionName(level, name) + "): expected [N] as the value");
        return result(now("setsockopt", inbox -> fd.sock.tell(new SocketActor.SetOption(option, (int) value, inbox))),
            "setsockopt()");
    }

    /** fs/fcntl.c: F_GETFL gives the file's flags (O_RDWR for a socket); F_SETFL changes O_NONBLOCK. */
    private SyscallResult fcntl(List<Arg> a) throws BackendException {
        Fd fd = fd(a, 0);
        if (fd == null) return SyscallResult.error("EBADF");
        long cmd = num(a, 1, "fcntl");
        if (cmd == F_GETFL) return SyscallResult.ok(O_RDWR | (fd.nonblock ? O_NONBLOCK : 0));
        if (cmd != F_SETFL) throw new BackendException("not modelled: fcntl() command " + cmd);
        long flags = a.size() > 2 ? num(a, 2, "fcntl") : 0;
        if ((flags & OTHER_SETFL_FLAGS) != 0) {
            throw new BackendException("not modelled: fcntl(F_SETFL) flags 0" + Long.toOctalString(flags & OTHER_SETFL_FLAGS));
        }
        boolean nonblock = (flags & O_NONBLOCK) != 0;
        SyscallResult r = result(now("fcntl", inbox -> fd.sock.tell(new SocketActor.SetOption(SocketActor.Option.O_NONBLOCK,
            nonblock ? 1 : 0, inbox))), "fcntl()");
        if (r.errno() == null) fd.nonblock = nonblock;
        return r;
    }

    /**
     * A call that completes at this instant: sent, then everything ready now is run. A call the
     * model can only answer later would block, which a line without {@code ...} must not do.
     */
    private SocketActor.Reply now(String name, Consumer<ActorRef<SocketActor.Reply>> send) throws BackendException {
        int id = internalCallId--;
        pending.put(id, new Pending(r -> null));
        run.tell(new ModelRun.Call(id, send));
        sim.drain();
        checkModelled();
        pending.remove(id);
        SocketActor.Reply r = arrived.remove(id);
        if (r == null) throw new BackendException("model: " + name + "() did not complete at once");
        return r;
    }

    /**
     * A call that may wait (connect on a blocking socket, accept with an empty queue): its result
     * now if the model answers at this instant; else, for a blocking line, null now and a
     * {@link CallDone} from {@link #next} at the virtual time it returns.
     */
    private SyscallResult mayBlock(int callId, String name, boolean blocking, Consumer<ActorRef<SocketActor.Reply>> send,
                                   Function<SocketActor.Reply, SyscallResult> finish) throws BackendException {
        Pending p = new Pending(finish);
        pending.put(callId, p);
        run.tell(new ModelRun.Call(callId, send));
        sim.drain();
        checkModelled();
        SocketActor.Reply r = arrived.remove(callId);
        if (r != null) {
            pending.remove(callId);
            return finish.apply(r);
        }
        if (!blocking) {
            pending.remove(callId);
            throw new BackendException(name + "() blocks in the model at this point; a call that may block needs a "
                + "blocking (t...t_end) line");
        }
        p.awaited = true;
        return null;
    }

    private void replied(int callId, SocketActor.Reply reply) {
        Pending p = pending.get(callId);
        if (p == null) return; // a call given up on (it did not complete at once)
        if (!p.awaited) {
            arrived.put(callId, reply);
            return;
        }
        pending.remove(callId);
        observed.addLast(new CallDone(nowMicros(), callId, p.finish.apply(reply)));
    }

    /** The reply as a result; EOPNOTSUPP is how the model refuses what it does not cover yet. */
    private static SyscallResult result(SocketActor.Reply r, String what) throws BackendException {
        if (r.errno() == Errno.EOPNOTSUPP) throw new BackendException("not modelled: " + what);
        return r.failed() ? error(r) : SyscallResult.ok(r.ret());
    }

    private static SyscallResult error(SocketActor.Reply r) {
        return SyscallResult.error(r.errno().name());
    }

    /** Linux's rule: the lowest free descriptor (0-2 are the process's stdio). */
    private int allocate(ActorRef<SocketActor.Command> sock, boolean nonblock) {
        int n = FIRST_FD;
        while (fds.containsKey(n)) n++;
        fds.put(n, new Fd(sock, nonblock));
        return n;
    }

    private Fd fd(List<Arg> a, int i) throws BackendException {
        return fds.get((int) num(a, i, "fd"));
    }

    private static long num(List<Arg> a, int i, String call) throws BackendException {
        if (i < a.size() && a.get(i) instanceof Arg.Int n) return n.value();
        throw new BackendException(call + "(): argument " + (i + 1) + " must be a number");
    }

    private static Arg.Sockaddr sockaddr(List<Arg> a, String call) throws BackendException {
        if (a.size() > 1 && a.get(1) instanceof Arg.Sockaddr sa) return sa;
        throw new BackendException(call + "(): argument 2 must be a socket address");
    }

    private static String optionName(long level, long name) {
        String prefix = level == SOL_SOCKET ? "SO_" : level == IPPROTO_TCP ? "TCP_" : null;
        String levelName = level == SOL_SOCKET ? "SOL_SOCKET" : level == IPPROTO_TCP ? "IPPROTO_TCP" : Long.toString(level);
        if (prefix != null) {
            for (Map.Entry<String, Long> e : new TreeMap<>(LinuxConstants.VALUES).entrySet()) {
                if (e.getKey().startsWith(prefix) && e.getValue() == name) return levelName + ", " + e.getKey();
            }
        }
        return levelName + ", " + name;
    }

    private static long c(String name) {
        return LinuxConstants.VALUES.get(name);
    }

    // ---- tcp_info ----

    /** getsockopt(TCP_INFO): the socket answers with net/ipv4's tcp_get_info, under its lock. */
    @Override
    public Map<String, Long> tcpInfo(int n) throws BackendException {
        host();
        Fd fd = fds.get(n);
        if (fd == null) throw new BackendException("tcp_info: no socket with fd " + n);
        Tcp.TcpInfo[] got = new Tcp.TcpInfo[1];
        run.tell(new ModelRun.GetInfo(fd.sock, info -> got[0] = info));
        sim.drain();
        if (got[0] == null) throw new BackendException("tcp_info: the socket with fd " + n + " did not answer");
        return new LinkedHashMap<>(got[0].fields());
    }

    /** The host's {@link Mib}: each run makes its own NetNs, so its counters start at zero. */
    @Override
    public Map<String, Long> nstat() throws BackendException {
        return host().net.mib.nonZero();
    }

    // ---- what the model does not cover ----

    /** Raise the first thing the model reported it does not model, or a syncookie it did not send. */
    private void checkModelled() throws BackendException {
        String what = notModelled.take();
        if (what != null) throw new BackendException(what);
        if (ns != null) {
            long cookies = ns.net.mib.get(Mib.Counter.TcpExtTCPReqQFullDoCookies);
            if (cookies > cookiesSeen) {
                cookiesSeen = cookies;
                throw new BackendException("not modelled: syncookies (the kernel would answer this SYN with a cookie: "
                    + "tcp_syncookies=2, or the SYN queue is full)");
            }
        }
    }

    /** The run's trace, read for the model's own "not modelled" notes. */
    private static final class NotModelled implements Appendable {
        private final List<String> found = new ArrayList<>();

        String take() {
            return found.isEmpty() ? null : found.remove(0);
        }

        @Override
        public Appendable append(CharSequence line) {
            // "<time> note <who> not modelled: ..." (Trace.event)
            String s = line.toString();
            int note = s.indexOf(" note ");
            if (note >= 0) {
                int what = s.indexOf("not modelled", note);
                if (what >= 0) found.add(s.substring(what).strip());
            }
            return this;
        }

        @Override
        public Appendable append(CharSequence csq, int start, int end) {
            return append(csq.subSequence(start, end));
        }

        @Override
        public Appendable append(char c) {
            return this;
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (run != null) sim.stopRun();
        } catch (RuntimeException e) {
            // A run that broke the simulation (a model bug) must not take the next script with it.
            onBroken.run();
            throw e;
        } finally {
            if (ownsSim) sim.close();
        }
    }
}
