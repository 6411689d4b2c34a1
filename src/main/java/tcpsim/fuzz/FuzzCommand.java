package tcpsim.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tcpsim fuzz --inputs N [--seed S] [--kind scenario|packetdrill|both]}: mutated scenario
 * files and packetdrill scripts through the loader and the parser; exit 1 if any crashed.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Feed seeded mutations of the project's scenarios and packetdrill scripts (byte flips, "
        + "truncation, duplicated and deleted lines, wrong types, huge numbers, odd Unicode) to the scenario "
        + "loader and the script parser. Each must give a result or a one-line file:line error; anything else "
        + "is a crash, saved for reproduction."},
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = {"0:no crash", "1:a crash (inputs saved in --crashes)", "2:bad command line or no inputs"})
public final class FuzzCommand implements Callable<Integer> {

    @Option(names = "--inputs", paramLabel = "N", required = true, description = "How many mutated inputs.")
    int inputs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kind", paramLabel = "scenario|packetdrill|both", defaultValue = "both",
        description = "What to fuzz (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--corpus", paramLabel = "DIR",
        description = "Project checkout whose simulations/ and src/test/resources/ give the inputs to mutate "
            + "(default: the checkout this jar was built in, else the current directory).")
    Path corpusRoot;

    @Option(names = "--crashes", paramLabel = "DIR", defaultValue = "fuzz-crashes",
        description = "Where crashing inputs are saved, each with its reason (default: ${DEFAULT-VALUE}).")
    Path crashDir;

    @Option(names = "--time-limit-ms", paramLabel = "MS", defaultValue = "5000",
        description = "How long one input may take before it counts as a hang (default: ${DEFAULT-VALUE}).")
    long timeLimitMillis;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Fuzzer.Kind> kinds = switch (kind) {
            case "scenario" -> List.of(Fuzzer.Kind.SCENARIO);
            case "packetdrill" -> List.of(Fuzzer.Kind.PACKETDRILL);
            case "both" -> List.of(Fuzzer.Kind.SCENARIO, Fuzzer.Kind.PACKETDRILL);
            default -> null;
        };
        if (kinds == null) return usage(err, "--kind: expected scenario, packetdrill or both, got '" + kind + "'");
        if (inputs < 0) return usage(err, "--inputs: expected a count, got " + inputs);
        Path root = corpusRoot != null ? corpusRoot : defaultRoot();
        Map<Fuzzer.Kind, List<byte[]>> corpus = Fuzzer.corpus(root);
        for (Fuzzer.Kind k : kinds) {
            if (!corpus.containsKey(k)) {
                return usage(err, "no " + k.extension + " files to mutate under " + root + " (see --corpus)");
            }
        }
        Path work = Files.createTempDirectory("tcpsim-fuzz");
        Fuzzer.Summary s;
        try {
            s = new Fuzzer(corpus, work, timeLimitMillis).run(seed, inputs, kinds, crashDir, n -> {
                err.println("fuzz: " + n + "/" + inputs);
                err.flush();
            });
        } finally {
            try (Stream<Path> left = Files.list(work)) {
                for (Path p : left.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(work);
        }
        out.printf("seed %d: %d inputs in %.1f s: %d normal results, %d clean errors, %d crashes%n", seed,
            s.inputs(), s.millis() / 1000.0, s.normal(), s.cleanErrors(), s.crashes().size());
        for (Fuzzer.Crash c : s.crashes()) {
            out.println("crash: input " + c.input() + " (" + c.kind().name().toLowerCase() + ") saved to " + c.saved()
                + ": " + c.reason().lines().findFirst().orElse(""));
        }
        out.flush();
        return s.crashes().isEmpty() ? 0 : 1;
    }

    /** The checkout the running jar sits in (target/tcpsim.jar), else the current directory. */
    private static Path defaultRoot() {
        try {
            Path jar = Path.of(FuzzCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null ? null : jar.getParent().getParent();
            if (root != null && Files.isDirectory(root.resolve("simulations"))) return root;
        } catch (Exception e) {
            // not run from a jar or a class directory: fall back to the current directory
        }
        return Path.of(".").toAbsolutePath().normalize();
    }

    private static int usage(PrintWriter err, String message) {
        err.println("tcpsim fuzz: " + message);
        err.flush();
        return 2;
    }
}
