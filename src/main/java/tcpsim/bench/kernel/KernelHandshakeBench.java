package tcpsim.bench.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The real kernel's side of {@code tcpsim bench handshake}: loopback connect/accept rate and slab
 * memory per established connection, measured with plain Java blocking sockets on this machine in
 * the calling process's network namespace ({@code bench handshake} calls the rate from a
 * {@link RateWorker} in a private one). No sysctl is changed here. Benchmarks, not tests: nothing here judges
 * the figures.
 */
public final class KernelHandshakeBench {
    private KernelHandshakeBench() {}

    /**
     * Best of 1, 2, 4 and 8 client threads on 2 CPUs (figures in the commit that set it): one
     * client leaves a CPU idle while it waits for the loopback round trip; four or more, with
     * one acceptor, starve the acceptor long enough to fill the 4,096-entry accept queue, and
     * each SYN dropped then stalls its client for the 1 s retransmit.
     */
    public static final int DEFAULT_CLIENT_THREADS = 2;
    /**
     * A second acceptor with two clients lowered the rate (accept() on one listener is
     * serialized, so it only adds a thread to schedule); keep clients at most twice the acceptors.
     */
    public static final int DEFAULT_ACCEPTOR_THREADS = 1;
    /** The model's memory figure is taken with 100,000 connections held; so is the kernel's. */
    public static final int DEFAULT_CONNECTIONS = 100_000;

    /** A client whose SYN was dropped retries after 1, 3, 7 s...; allow for a few of those. */
    private static final int JOIN_TIMEOUT_MS = 20_000;
    /** Descriptors a worker JVM needs besides its sockets (jars, pipes, JNA). */
    private static final int WORKER_RESERVE_FDS = 256;

    /** {@link #measureRate(int, int, Duration, Duration)} with {@link #DEFAULT_ACCEPTOR_THREADS}. */
    public static HandshakeRate measureRate(int clientThreads, Duration duration, Duration warmup)
        throws IOException, InterruptedException {
        return measureRate(clientThreads, DEFAULT_ACCEPTOR_THREADS, duration, warmup);
    }

    /**
     * Runs one listener on 127.0.0.1 whose acceptor threads accept and close at once, and client
     * threads that connect and close in a loop with SO_LINGER 0: the RST frees both ends without
     * TIME_WAIT, so the run never exhausts ephemeral ports. Counts accepts and connects that
     * complete in {@code duration}, after {@code warmup}.
     */
    public static HandshakeRate measureRate(int clientThreads, int acceptorThreads, Duration duration, Duration warmup)
        throws IOException, InterruptedException {
        if (clientThreads < 1 || acceptorThreads < 1) {
            throw new IllegalArgumentException("need at least one client and one acceptor thread");
        }
        LongAdder connects = new LongAdder();
        LongAdder accepts = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        List<Thread> acceptors = new ArrayList<>();
        long overflowsBefore = tcpExtCounter("ListenOverflows");
        try (ServerSocketChannel server = listen()) {
            SocketAddress address = server.getLocalAddress();
            for (int i = 0; i < acceptorThreads; i++) {
                acceptors.add(start("kbench-acceptor-" + i, () -> {
                    while (true) {
                        try {
                            SocketChannel s = server.accept();
                            accepts.increment();
                            s.close();
                        } catch (IOException e) {
                            if (!server.isOpen()) {
                                return;
                            }
                            errors.increment();
                            firstError.compareAndSet(null, "accept: " + e);
                        }
                    }
                }));
            }
            for (int i = 0; i < clientThreads; i++) {
                clients.add(start("kbench-client-" + i, () -> {
                    while (running.get()) {
                        try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.INET)) {
                            s.setOption(StandardSocketOptions.SO_LINGER, 0);
                            s.connect(address);
                            connects.increment();
                        } catch (IOException e) {
                            errors.increment();
                            firstError.compareAndSet(null, "connect: " + e);
                        }
                    }
                }));
            }
            Window w = Window.measure(warmup, duration, connects, accepts);
            running.set(false);
            // Clients finish their last connect while the listener still accepts, so stopping
            // makes no errors of its own.
            join(clients);
            long errorCount = errors.sum();
            server.close();
            join(acceptors);
            long overflowsAfter = tcpExtCounter("ListenOverflows");
            return w.rate(clientThreads, acceptorThreads, errorCount, Optional.ofNullable(firstError.get()),
                overflowsBetween(overflowsBefore, overflowsAfter));
        } finally {
            running.set(false);
            clients.forEach(Thread::interrupt);
            acceptors.forEach(Thread::interrupt);
        }
    }

    /**
     * The measured window of an in-process loop: after {@code warmup}, the connects and accepts
     * counted during {@code duration}, with this process's CPU time and the other processes' share.
     */
    record Window(Duration measured, long connects, long accepts, double otherCpuShare, double cpuSeconds) {
        static Window measure(Duration warmup, Duration duration, LongAdder connects, LongAdder accepts)
            throws InterruptedException {
            Thread.sleep(warmup.toMillis());
            long connects0 = connects.sum();
            long accepts0 = accepts.sum();
            Libc.CpuTicks cpu0 = Libc.CpuTicks.now();
            long t0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            long connects1 = connects.sum();
            long accepts1 = accepts.sum();
            long t1 = System.nanoTime();
            Libc.CpuTicks cpu1 = Libc.CpuTicks.now();
            double otherCpu = cpu1.otherSecondsSince(cpu0) / ((t1 - t0) / 1e9 * Runtime.getRuntime().availableProcessors());
            return new Window(Duration.ofNanos(t1 - t0), connects1 - connects0, accepts1 - accepts0, otherCpu,
                cpu1.selfSecondsSince(cpu0));
        }

        HandshakeRate rate(int clients, int acceptors, long errors, Optional<String> firstError, long overflows) {
            return new HandshakeRate(clients, acceptors, measured, connects, accepts, errors, firstError, overflows,
                otherCpuShare, cpuSeconds);
        }
    }

    /** Listen overflows between two reads of the counter, or -1 if either could not be read. */
    static long overflowsBetween(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    /** A TcpExt counter of /proc/net/netstat (this network namespace), or -1 if unreadable. */
    static long tcpExtCounter(String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/net/netstat"));
        } catch (IOException e) {
            return -1;
        }
        // Pairs of lines: "TcpExt: names..." then "TcpExt: values...".
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                String[] values = lines.get(i + 1).split("\\s+");
                int at = names.indexOf(name);
                return at < 0 ? -1 : Long.parseLong(values[at]);
            }
        }
        return -1;
    }

    /**
     * A blocking AF_INET listener on 127.0.0.1 with the largest backlog the kernel allows
     * (net/socket.c: __sys_listen caps it at net.core.somaxconn). AF_INET explicitly: Java's
     * default is a dual-stack AF_INET6 socket, whose tcp6_sock is larger and not what an IPv4
     * handshake costs.
     */
    static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 65_535);
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(JOIN_TIMEOUT_MS);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop");
            }
        }
    }

    /**
     * Opens {@code connections} established loopback connections, both ends held by Java
     * sockets, and returns the slab memory they added. Raises RLIMIT_NOFILE if it may; if the
     * limit still cannot hold 2 descriptors per connection in this process, the connections are
     * spread over worker JVMs each within the limit (started, and their JVM memory settled,
     * before the first reading). Everything is closed before returning, on failure too.
     */
    public static SlabPerConnection measureSlabPerConnection(int connections) throws IOException, InterruptedException {
        long needed = 2L * connections + Libc.openFds() + WORKER_RESERVE_FDS;
        long limit = Libc.raiseFdLimit(needed);
        if (limit >= needed) {
            return measureSlabInProcess(connections);
        }
        long perProcess = (limit - WORKER_RESERVE_FDS) / 2;
        if (perProcess < 1) {
            throw new IllegalStateException("RLIMIT_NOFILE " + limit + " leaves no room for connections");
        }
        return measureSlabInWorkers(connections, (int) perProcess);
    }

    static SlabPerConnection measureSlabInProcess(int connections) throws IOException {
        try (ConnectionHolder holder = new ConnectionHolder(connections)) {
            long heapBefore = ConnectionHolder.heapUsedAfterGc();
            SlabSnapshot before = SlabSnapshot.read();
            holder.open();
            SlabSnapshot after = SlabSnapshot.read();
            long heapDelta = ConnectionHolder.heapUsedAfterGc() - heapBefore;
            return delta(connections, 1, before, after, heapDelta);
        }
    }

    /** Runs {@link ConnectionHolder#main} in ceil(connections / perProcess) worker JVMs. */
    static SlabPerConnection measureSlabInWorkers(int connections, int perProcess)
        throws IOException, InterruptedException {
        int processes = (connections + perProcess - 1) / perProcess;
        List<Process> workers = new ArrayList<>();
        List<BufferedReader> replies = new ArrayList<>();
        try {
            for (int i = 0; i < processes; i++) {
                int share = connections / processes + (i < connections % processes ? 1 : 0);
                Process p = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                    "-cp", System.getProperty("java.class.path"),
                    ConnectionHolder.class.getName(), Integer.toString(share))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
                workers.add(p);
                replies.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)));
            }
            for (int i = 0; i < processes; i++) {
                expect(i, replies.get(i), "READY");
            }
            SlabSnapshot before = SlabSnapshot.read();
            for (Process p : workers) {
                send(p, "OPEN\n");
            }
            long heapDelta = 0;
            long sockets = 0;
            for (int i = 0; i < processes; i++) {
                String[] held = expect(i, replies.get(i), "HELD").split(" ");
                sockets += Long.parseLong(held[1]);
                heapDelta += Long.parseLong(held[2]);
            }
            SlabSnapshot after = SlabSnapshot.read();
            if (sockets != 2L * connections) {
                throw new IllegalStateException("workers hold " + sockets + " sockets, expected " + 2L * connections);
            }
            return delta(connections, processes, before, after, heapDelta);
        } finally {
            for (Process p : workers) {
                try {
                    send(p, "CLOSE\n");
                    p.getOutputStream().close();
                } catch (IOException workerGone) {
                    // A worker that already exited took its sockets with it.
                }
            }
            for (BufferedReader r : replies) {
                try {
                    r.close();
                } catch (IOException alreadyClosed) {
                    // Nothing left to release.
                }
            }
            for (Process p : workers) {
                try {
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void send(Process p, String line) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write(line.getBytes(StandardCharsets.US_ASCII));
        in.flush();
    }

    private static String expect(int worker, BufferedReader reply, String word) throws IOException {
        String line = reply.readLine();
        if (line == null || !line.startsWith(word)) {
            throw new IOException("connection-holding worker " + worker + ": expected " + word + ", got "
                + (line == null ? "end of output" : line));
        }
        return line;
    }

    static SlabPerConnection delta(int connections, int processes, SlabSnapshot before, SlabSnapshot after,
                                   long heapDelta) {
        List<SlabPerConnection.CacheDelta> caches = new ArrayList<>();
        if (!before.caches().isEmpty() && !after.caches().isEmpty()) {
            long page = Libc.pageSize();
            Map<String, List<String>> merged = SlabSnapshot.mergedNames();
            Set<String> names = new HashSet<>(before.caches().keySet());
            names.addAll(after.caches().keySet());
            for (String name : names) {
                SlabSnapshot.Cache b = before.caches().get(name);
                SlabSnapshot.Cache a = after.caches().get(name);
                SlabSnapshot.Cache any = a != null ? a : b;
                long objects = (a == null ? 0 : a.activeObjs()) - (b == null ? 0 : b.activeObjs());
                long bytes = ((a == null ? 0 : a.slabPages()) - (b == null ? 0 : b.slabPages())) * page;
                // Keep what moved by at least 1 byte or 1/100 object per connection: the rest is
                // the machine's background churn.
                if (Math.abs(bytes) >= connections || Math.abs(objects) * 100 >= connections) {
                    caches.add(new SlabPerConnection.CacheDelta(name, any.objSize(), objects, bytes, connections,
                        merged.getOrDefault(name, List.of())));
                }
            }
            caches.sort(Comparator.comparingLong(SlabPerConnection.CacheDelta::bytesDelta).reversed()
                .thenComparing(SlabPerConnection.CacheDelta::name));
        }
        return new SlabPerConnection(connections, processes, after.slabBytes() - before.slabBytes(),
            after.reclaimableBytes() - before.reclaimableBytes(),
            after.unreclaimableBytes() - before.unreclaimableBytes(), heapDelta, caches);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Cli());
        cli.setParameterExceptionHandler((e, argv) -> {
            System.err.println(e.getMessage());
            return CommandLine.ExitCode.USAGE;
        });
        System.exit(cli.execute(args));
    }

    @Command(name = "kernel-handshake-bench", mixinStandardHelpOptions = true,
        description = "Real-kernel loopback handshake rate and slab bytes per established connection.")
    private static final class Cli implements Callable<Integer> {
        enum Part { rate, slab, both }

        @Option(names = "--only", description = "rate, slab or both (default: ${DEFAULT-VALUE})")
        Part only = Part.both;

        @Option(names = {"-t", "--client-threads"}, description = "client threads (default: ${DEFAULT-VALUE})")
        int clientThreads = DEFAULT_CLIENT_THREADS;

        @Option(names = {"-a", "--acceptor-threads"}, description = "acceptor threads (default: ${DEFAULT-VALUE})")
        int acceptorThreads = DEFAULT_ACCEPTOR_THREADS;

        @Option(names = "--sweep", description = "measure the rate at 1, 2, 4 and 8 client threads")
        boolean sweep;

        @Option(names = {"-d", "--seconds"}, description = "measured seconds per rate run (default: ${DEFAULT-VALUE})")
        double seconds = 5;

        @Option(names = {"-w", "--warmup"}, description = "warm-up seconds per rate run (default: ${DEFAULT-VALUE})")
        double warmup = 1;

        @Option(names = {"-n", "--connections"}, description = "connections held for the slab figure (default: ${DEFAULT-VALUE})")
        int connections = DEFAULT_CONNECTIONS;

        @Override
        public Integer call() throws Exception {
            if (clientThreads < 1 || acceptorThreads < 1 || connections < 1 || seconds <= 0 || warmup < 0) {
                System.err.println("expected threads >= 1, connections >= 1, seconds > 0, warmup >= 0");
                return CommandLine.ExitCode.USAGE;
            }
            System.out.printf("Linux %s, %d CPUs, loopback 127.0.0.1, host network namespace%n",
                System.getProperty("os.version"), Runtime.getRuntime().availableProcessors());
            if (only != Part.slab) {
                System.out.println("Handshake rate (clients close with SO_LINGER 0):");
                for (int threads : sweep ? List.of(1, 2, 4, 8) : List.of(clientThreads)) {
                    printRate(measureRate(threads, acceptorThreads, seconds(seconds), seconds(warmup)));
                }
            }
            if (only != Part.rate) {
                printSlab(measureSlabPerConnection(connections));
            }
            return CommandLine.ExitCode.OK;
        }

        private static Duration seconds(double s) {
            return Duration.ofNanos(Math.round(s * 1e9));
        }

        private static void printRate(HandshakeRate r) {
            System.out.printf("  %d client + %d acceptor threads: %,.0f handshakes/s"
                    + " (%,d accepts, %,d connects in %.2f s), %d errors, %d listen overflows,"
                    + " other processes %.0f%% CPU%s%n",
                r.clientThreads(), r.acceptorThreads(), r.perSecond(), r.accepts(), r.connects(),
                r.measured().toNanos() / 1e9, r.errors(), r.listenOverflows(), 100 * r.otherCpuShare(),
                r.firstError().map(e -> "; first: " + e).orElse(""));
        }

        private static void printSlab(SlabPerConnection s) {
            System.out.printf("Kernel memory per established connection, both ends (%,d held, %d process%s):%n",
                s.connections(), s.processes(), s.processes() == 1 ? "" : "es");
            System.out.printf("  Slab %,.0f B (SUnreclaim %,.0f, SReclaimable %,.0f); Java heap %,.0f B%n",
                s.slabBytesPerConnection(), s.unreclaimableBytesPerConnection(), s.reclaimableBytesPerConnection(),
                s.heapBytesPerConnection());
            if (s.slabBytesPerConnectionExcludingProcFd() != s.slabBytesPerConnection()) {
                System.out.printf("  Slab %,.0f B without the proc_inode_cache inodes and dentries that listing"
                    + " /proc/<pid>/fd added meanwhile%n", s.slabBytesPerConnectionExcludingProcFd());
            }
            if (s.caches().isEmpty()) {
                System.out.println("  (/proc/slabinfo not readable: no per-cache breakdown)");
                return;
            }
            System.out.printf("  %-22s %8s %10s %10s%n", "cache", "objsize", "objs/conn", "bytes/conn");
            for (SlabPerConnection.CacheDelta c : s.caches()) {
                System.out.printf("  %-22s %8d %10.2f %,10.0f%s%n",
                    c.name(), c.objectSize(), c.objectsPerConnection(), c.bytesPerConnection(),
                    c.mergedWith().isEmpty() ? "" : "   (merged: " + String.join(", ", c.mergedWith()) + ")");
            }
        }
    }
}
