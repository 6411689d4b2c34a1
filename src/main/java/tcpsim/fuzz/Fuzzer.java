package tcpsim.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tcpsim.packetdrill.PacketdrillSyntaxException;
import tcpsim.packetdrill.RunSettings;
import tcpsim.packetdrill.ScriptParser;
import tcpsim.scenario.ScenarioException;
import tcpsim.scenario.ScenarioLoader;

/**
 * Feeds mutated scenario files and packetdrill scripts to the scenario loader and the script
 * parser, in process, and sorts each outcome: a normal result (a Scenario, a Script), a clean error
 * (one line that starts {@code file:line:}, which the CLI prints before exiting 2), or a crash (any
 * other exception, an error message that is not one line naming the file and a line, a file left
 * in the work directory, or no answer within the time limit). Everything is drawn from one seed.
 */
public final class Fuzzer {

    /** What is fuzzed. */
    public enum Kind {
        SCENARIO(".conf"), PACKETDRILL(".pkt");

        final String extension;

        Kind(String extension) { this.extension = extension; }
    }

    /** One input that crashed: its number, kind, why, and where it was saved (null if not saved). */
    public record Crash(int input, Kind kind, String reason, Path saved) {}

    /** The figures of a run. */
    public record Summary(int inputs, int normal, int cleanErrors, List<Crash> crashes, long millis) {}

    private final Map<Kind, List<byte[]>> corpus;
    private final long timeLimitMillis;
    private final Path workDir;
    private ExecutorService worker = newWorker();

    /**
     * @param corpus    the inputs to mutate, by kind (each non-empty for the kinds fuzzed)
     * @param workDir   an empty directory the inputs are written to, one at a time
     * @param timeLimitMillis how long one input may take before it counts as a hang
     */
    public Fuzzer(Map<Kind, List<byte[]>> corpus, Path workDir, long timeLimitMillis) {
        this.corpus = corpus;
        this.workDir = workDir;
        this.timeLimitMillis = timeLimitMillis;
    }

    /**
     * Runs {@code inputs} mutated inputs drawn from {@code seed}, alternating over {@code kinds};
     * crashes are saved to {@code crashDir} (created on the first one) unless it is null;
     * {@code progress} hears the count done every 1,000 inputs.
     */
    public Summary run(long seed, int inputs, List<Kind> kinds, Path crashDir, IntConsumer progress)
        throws IOException {
        long start = System.nanoTime();
        Random random = new Random(seed);
        int normal = 0, clean = 0;
        List<Crash> crashes = new ArrayList<>();
        try {
            for (int i = 0; i < inputs; i++) {
                Kind kind = kinds.get(i % kinds.size());
                List<byte[]> seeds = corpus.get(kind);
                byte[] input = new Mutator(random, seeds).mutate(seeds.get(random.nextInt(seeds.size())));
                Outcome o = attempt(kind, input, i);
                switch (o.result()) {
                    case NORMAL -> normal++;
                    case CLEAN_ERROR -> clean++;
                    case CRASH -> crashes.add(new Crash(i, kind, o.crash(), save(crashDir, i, kind, input, o.crash())));
                }
                if ((i + 1) % 1000 == 0) progress.accept(i + 1);
            }
        } finally {
            worker.shutdownNow();
        }
        return new Summary(inputs, normal, clean, crashes, (System.nanoTime() - start) / 1_000_000);
    }

    enum Result { NORMAL, CLEAN_ERROR, CRASH }

    /** How one input went; {@code crash} says why when it crashed. */
    record Outcome(Result result, String crash) {
        static final Outcome NORMAL = new Outcome(Result.NORMAL, null);
        static final Outcome CLEAN_ERROR = new Outcome(Result.CLEAN_ERROR, null);

        static Outcome crash(String why) { return new Outcome(Result.CRASH, why); }
    }

    /** Writes the input to the work directory, reads it as {@code kind}, and clears the directory. */
    Outcome attempt(Kind kind, byte[] input, int n) throws IOException {
        Path file = workDir.resolve("input-" + n + kind.extension);
        Files.write(file, input);
        Outcome o = read(kind, file);
        Files.deleteIfExists(file);
        try (Stream<Path> left = Files.list(workDir)) {
            List<Path> extra = left.sorted(Comparator.naturalOrder()).toList();
            for (Path p : extra) Files.deleteIfExists(p);
            if (!extra.isEmpty() && o.result() != Result.CRASH) return Outcome.crash("left files behind: " + extra);
        }
        return o;
    }

    private Outcome read(Kind kind, Path file) {
        String name = file.toString();
        Future<?> f = worker.submit(() -> {
            if (kind == Kind.SCENARIO) {
                ScenarioLoader.load(file);
            } else {
                ScriptParser.parse(file, RunSettings.UPSTREAM_DEFINES);
            }
            return null;
        });
        try {
            f.get(timeLimitMillis, TimeUnit.MILLISECONDS);
            return Outcome.NORMAL;
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return Outcome.crash("no answer within " + timeLimitMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.crash("interrupted");
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (!(t instanceof ScenarioException) && !(t instanceof PacketdrillSyntaxException)) {
                return Outcome.crash(stackTrace(t));
            }
            String message = t.getMessage();
            if (message.contains("\n") || message.contains("\r")) return Outcome.crash("error over several lines: " + message);
            if (!Pattern.compile(Pattern.quote(name) + ":[1-9][0-9]*(:[0-9]+)?: .+").matcher(message).matches()) {
                return Outcome.crash("error that does not name " + name + ":line: " + message);
            }
            return Outcome.CLEAN_ERROR;
        }
    }

    /**
     * The inputs to mutate, from a project checkout: the scenarios in simulations/ and the
     * packetdrill scripts under src/test/resources/ (the project's own, the wrong ones, the
     * upstream copies and the line-form script). Kinds with no file are left out.
     */
    public static Map<Kind, List<byte[]>> corpus(Path projectRoot) throws IOException {
        Map<Kind, List<byte[]>> corpus = new EnumMap<>(Kind.class);
        corpus.put(Kind.SCENARIO, files(projectRoot.resolve("simulations"), Kind.SCENARIO));
        corpus.put(Kind.PACKETDRILL, files(projectRoot.resolve("src/test/resources"), Kind.PACKETDRILL));
        corpus.values().removeIf(List::isEmpty);
        return corpus;
    }

    private static List<byte[]> files(Path dir, Kind kind) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(kind.extension)).sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static Path save(Path crashDir, int n, Kind kind, byte[] input, String reason) throws IOException {
        if (crashDir == null) return null;
        Files.createDirectories(crashDir);
        Path saved = crashDir.resolve("crash-" + n + kind.extension);
        Files.write(saved, input);
        Files.writeString(crashDir.resolve("crash-" + n + ".txt"), reason + "\n");
        return saved;
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-input");
            t.setDaemon(true);
            return t;
        });
    }
}
