package tcpsim.bench.kernel;

import java.io.BufferedReader;
import java.io.File;
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
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tcpsim.packetdrill.kernel.NetnsGuard;

/**
 * The kernel reference of {@code tcpsim bench handshake}: the loopback connect/accept rate driven
 * three ways ({@link ReferenceMethod}) in a {@link RateWorker} process, in a private network
 * namespace when one can be made (root, util-linux {@code unshare}, iproute2 {@code ip}), else in
 * the host's with a warning. The host's sysctls are never written. Owns the worker and the
 * directory the C loop is built in; {@link #close} ends and removes both, and the namespace dies
 * with the worker.
 */
public final class KernelReference implements AutoCloseable {
    private static final String C_SOURCE = "/tcpsim/bench/kernel/handshake.c";
    private static final long START_TIMEOUT_S = 60;

    private final Process worker;
    private final BufferedReader replies;
    private final Writer requests;
    private final long netns;
    private final Optional<String> hostWarning;
    private final Optional<Path> cBinary;
    private final Optional<String> cMissing;
    private final Path buildDir;

    private KernelReference(Process worker, BufferedReader replies, long netns, Optional<String> hostWarning,
                            Path buildDir, Optional<Path> cBinary, Optional<String> cMissing) {
        this.worker = worker;
        this.replies = replies;
        this.requests = new OutputStreamWriter(worker.getOutputStream(), StandardCharsets.US_ASCII);
        this.netns = netns;
        this.hostWarning = hostWarning;
        this.buildDir = buildDir;
        this.cBinary = cBinary;
        this.cMissing = cMissing;
    }

    /** Builds the C loop if it can, and starts the worker: in a new namespace if possible, else in the host's. */
    public static KernelReference start() throws IOException {
        Path dir = Files.createTempDirectory("tcpsim-handshake-");
        Optional<Path> binary = Optional.empty();
        Optional<String> missing;
        try {
            binary = Optional.of(buildC(dir));
            missing = Optional.empty();
        } catch (IOException e) {
            missing = Optional.of(e.getMessage());
        }
        Optional<String> noNetns = whyNoNamespace();
        if (noNetns.isEmpty()) {
            long launcher = NetnsGuard.netnsInode(Path.of("/proc/self/ns/net")).orElse(-1L);
            Started s = launch(List.of("unshare", "--net", "--"), Long.toString(launcher));
            if (s.ready) {
                return new KernelReference(s.process, s.replies, s.netns, Optional.empty(), dir, binary, missing);
            }
            noNetns = Optional.of(s.failure);
        }
        Started s = launch(List.of(), "host");
        if (!s.ready) {
            deleteTree(dir);
            throw new IOException("kernel reference: the worker did not start: " + s.failure);
        }
        return new KernelReference(s.process, s.replies, s.netns,
            Optional.of("no private network namespace (" + noNetns.get() + "): measured in the host's, with its"
                + " port range and whatever else runs there"), dir, binary, missing);
    }

    /** The worker's network namespace (its inode), gone once {@link #close} returns if it was private. */
    public long netns() {
        return netns;
    }

    /** Empty when measuring in a private namespace; else why not, to be printed with every figure. */
    public Optional<String> hostWarning() {
        return hostWarning;
    }

    /** Why the C loop is not available (no gcc, or it did not build), empty when it is. */
    public Optional<String> cMissing() {
        return cMissing;
    }

    public List<ReferenceMethod> methods() {
        return cBinary.isPresent() ? List.of(ReferenceMethod.values())
            : List.of(ReferenceMethod.JAVA, ReferenceMethod.JNA);
    }

    /** One run of one method: {@code clients} client threads and one acceptor, as everywhere. */
    public HandshakeRate run(ReferenceMethod method, int clients, double warmupSeconds, double seconds) throws IOException {
        if (method == ReferenceMethod.C && cBinary.isEmpty()) {
            throw new IllegalStateException("no C loop: " + cMissing.orElse("?"));
        }
        requests.write("RUN " + method.key() + " " + clients + " " + warmupSeconds + " " + seconds
            + (method == ReferenceMethod.C ? " " + cBinary.get() : "") + "\n");
        requests.flush();
        String reply = replies.readLine();
        if (reply == null) throw new IOException("kernel reference: the worker exited");
        if (reply.startsWith("ERROR ")) throw new IOException("kernel reference, " + method.key() + ": " + reply.substring(6));
        return RateWorker.parse(reply);
    }

    /** What {@link #measure} found: every method's runs, and the one the ratios are taken against. */
    public record Measured(List<MethodRuns> methods, ReferenceMethod reference, List<String> referenceDoubts,
                           Optional<String> hostWarning, Optional<String> cMissing, List<String> notes) {
        public MethodRuns of(ReferenceMethod m) {
            return methods.stream().filter(r -> r.method() == m).findFirst().orElseThrow();
        }

        public double perSecond() {
            return of(reference).perSecond();
        }

        public double fastest() {
            return methods.stream().mapToDouble(MethodRuns::perSecond).max().orElseThrow();
        }
    }

    /**
     * {@code runs} runs of each method, taken in turns (Java, JNA, C, Java, ...) so that a burst of
     * load on a shared machine falls on all of them. When any method's runs disagree by more than
     * {@link MethodRuns#DISAGREEMENT}, {@code runs} more rounds of every method are taken, once,
     * and a note says so: more of one method alone would set its median in another minute's load
     * than the others'. The reference is the fastest method by median run among those without
     * errors.
     */
    public Measured measure(int runs, int clients, double warmupSeconds, double seconds, PrintStream progress)
        throws IOException {
        Map<ReferenceMethod, List<HandshakeRate>> taken = new EnumMap<>(ReferenceMethod.class);
        rounds(taken, runs, clients, warmupSeconds, seconds, progress, ".");
        List<String> notes = new ArrayList<>();
        int extra = 0;
        for (ReferenceMethod m : methods()) {
            if (MethodRuns.disagree(taken.get(m))) {
                notes.add(String.format("%s: the first %d runs were %.0f%% apart", m.key(), runs,
                    100 * MethodRuns.spread(taken.get(m))));
            }
        }
        if (!notes.isEmpty()) {
            notes.add(runs + " more runs of every method were taken, in turns");
            rounds(taken, runs, clients, warmupSeconds, seconds, progress, "+");
            extra = runs;
        }
        List<MethodRuns> results = new ArrayList<>();
        for (ReferenceMethod m : methods()) results.add(new MethodRuns(m, taken.get(m), extra));
        MethodRuns ref = results.stream().filter(r -> r.errors() == 0)
            .max(Comparator.comparingDouble(MethodRuns::perSecond))
            .orElseGet(() -> results.stream().max(Comparator.comparingDouble(MethodRuns::perSecond)).orElseThrow());
        double fastest = results.stream().mapToDouble(MethodRuns::perSecond).max().orElseThrow();
        List<String> doubts = new ArrayList<>(ref.doubts(fastest));
        results.stream().flatMap(r -> r.runs().stream().map(run -> Map.entry(r.method(), run.perSecond())))
            .max(Map.Entry.comparingByValue())
            .filter(best -> best.getValue() > (1 + MethodRuns.DISAGREEMENT) * ref.perSecond())
            .ifPresent(best -> doubts.add(String.format("a single %s run did %,.0f/s, %.0f%% more", best.getKey().key(),
                best.getValue(), 100 * (best.getValue() / ref.perSecond() - 1))));
        hostWarning.ifPresent(w -> doubts.add("host network namespace"));
        return new Measured(results, ref.method(), doubts, hostWarning, cMissing, notes);
    }

    private void rounds(Map<ReferenceMethod, List<HandshakeRate>> taken, int rounds, int clients, double warmupSeconds,
                        double seconds, PrintStream progress, String mark) throws IOException {
        for (int i = 0; i < rounds; i++) {
            for (ReferenceMethod m : methods()) {
                taken.computeIfAbsent(m, k -> new ArrayList<>()).add(run(m, clients, warmupSeconds, seconds));
                progress.print(mark);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            requests.close();
            if (!worker.waitFor(30, TimeUnit.SECONDS)) worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            worker.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            replies.close();
            deleteTree(buildDir);
        }
    }

    /** Processes whose network namespace is {@code inode}, from /proc/[pid]/ns/net (those we may read). */
    public static List<Long> processesIn(long inode) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                .filter(p -> NetnsGuard.netnsInode(p.resolve("ns/net")).orElse(-1L) == inode)
                .map(p -> Long.parseLong(p.getFileName().toString())).toList();
        }
    }

    /** Compiles the shipped C loop into {@code dir}; throws with the reason when there is no gcc or it fails. */
    static Path buildC(Path dir) throws IOException {
        if (!onPath("gcc")) throw new IOException("no gcc on PATH");
        Path source = dir.resolve("handshake.c");
        try (InputStream in = KernelReference.class.getResourceAsStream(C_SOURCE)) {
            if (in == null) throw new IOException("no " + C_SOURCE + " on the class path");
            Files.copy(in, source);
        }
        Path binary = dir.resolve("handshake");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-pthread", "-o", binary.toString(), source.toString())
            .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String said = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) throw new IOException("gcc failed: " + said);
        } catch (InterruptedException e) {
            gcc.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling the C loop");
        }
        return binary;
    }

    private static Optional<String> whyNoNamespace() {
        int uid = Libc.geteuid();
        if (uid != 0) return Optional.of("not root: uid " + uid);
        for (String tool : List.of("unshare", "ip")) {
            if (!onPath(tool)) return Optional.of("no '" + tool + "' on PATH");
        }
        return Optional.empty();
    }

    private record Started(Process process, BufferedReader replies, long netns, boolean ready, String failure) {}

    private static Started launch(List<String> prefix, String arg) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-XX:+UseParallelGC", "-XX:-UsePerfData",
            "-cp", System.getProperty("java.class.path"), RateWorker.class.getName(), arg));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        StringBuilder stderr = new StringBuilder();
        Thread pump = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (stderr) {
                        if (stderr.length() < 2_000) stderr.append(line).append('\n');
                    }
                    System.err.println("kernel reference worker: " + line);
                }
            } catch (IOException gone) {
                // The worker closed its stderr: nothing more to show.
            }
        }, "kbench-worker-stderr");
        pump.setDaemon(true);
        pump.start();
        BufferedReader replies = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String hello = readLine(replies, p);
        if (hello != null && hello.startsWith("READY ")) {
            return new Started(p, replies, Long.parseLong(hello.split(" ")[1]), true, null);
        }
        p.destroyForcibly();
        replies.close();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
            pump.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String why = hello != null && hello.startsWith("ERROR ") ? hello.substring(6)
            : "worker exited" + (p.isAlive() ? "" : " with " + p.exitValue());
        synchronized (stderr) {
            String err = stderr.toString().trim();
            return new Started(p, null, -1, false, err.isEmpty() ? why : why + ": " + err.lines().findFirst().orElse(""));
        }
    }

    /** The worker's first line, or null if it exits or says nothing within the start timeout. */
    private static String readLine(BufferedReader in, Process p) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            if (in.ready()) return in.readLine();
            if (!p.isAlive()) return in.ready() ? in.readLine() : null;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
