package tcpsim.packetdrill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code packetdrill [--backend model|kernel|both] [--json FILE] [--tolerance_usecs N]
 * [-D NAME=VAL]... FILE.pkt|DIR...}: run packetdrill scripts on the model, the live kernel, or
 * both. Every script gets a verdict on every backend: {@code pass}, {@code fail}, or {@code error}
 * when it does not parse ({@code file:line:col: reason}), cannot be read, or the backend refuses it
 * ({@code not modelled: IPv6}); one bad script never costs the others their results. Prints one
 * line per script that did not pass, then {@code N passed, N failed}; exits 0 when every run passed,
 * 1 when any failed or errored, 2 when the command line is wrong or no script could be read.
 */
@Command(name = "packetdrill", sortOptions = false,
    description = {
        "Run packetdrill scripts against the model, the live kernel, or both.",
        "Scripts run as the upstream runners run them: local 192.168.0.1, remote 192.0.2.1, port 8080, and "
            + "-D TFO_COOKIE=3021b9d889017eeb, TFO_COOKIE_ZERO=b7c12350a90dc8f5, CODE=host_unreachable, "
            + "CMSG_LEVEL_IP=SOL_IP, CMSG_TYPE_RECVERR=IP_RECVERR unless -D says otherwise.",
        "Each script gets a verdict per backend: pass, fail, or error (it does not parse, cannot be read, or "
            + "uses what the backend does not model, such as IPv6); the batch always goes on."},
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = {"0:every script passed", "1:a script failed or errored",
        "2:bad command line, or no script could be read"})
public final class PacketdrillCommand implements Callable<Integer> {

    @Option(names = "--backend", paramLabel = "model|kernel|both", defaultValue = "model",
        description = "Where to run the scripts (default: ${DEFAULT-VALUE}). "
            + "'both' runs each script on kernel and model and shows where they part.")
    String backend;

    @Option(names = "--json", paramLabel = "FILE",
        description = "Write one record per script and backend: path, backend, verdict, failure, notes, log.")
    Path json;

    @Option(names = "--tolerance_usecs", paramLabel = "N",
        description = "Timing tolerance in microseconds; overrides the scripts' own --tolerance_usecs.")
    Long toleranceUsecs;

    @Option(names = "-D", paramLabel = "NAME=VAL", description = "Define a symbol the scripts use.")
    Map<String, String> defines = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, description = "Also print each run's notes.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(arity = "1..*", paramLabel = "FILE.pkt|DIR", description = "Scripts, or directories to search for *.pkt.")
    List<Path> paths = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private final Backends backends;

    /** The command with the backends this build provides. */
    public PacketdrillCommand() {
        this(Backends.standard());
    }

    public PacketdrillCommand(Backends backends) {
        this.backends = backends;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PacketdrillCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> names = backend.equals("both") ? List.of("kernel", "model") : List.of(backend);
        List<Supplier<Backend>> factories = new ArrayList<>();
        for (String n : names) {
            if (backends.get(n).isEmpty()) {
                err.println("packetdrill: unknown backend '" + n + "' (available: "
                    + (backends.names().isEmpty() ? "none" : String.join(", ", backends.names())) + ")");
                err.flush();
                return 2;
            }
            factories.add(backends.get(n).get());
        }

        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".pkt") && Files.isRegularFile(f)).sorted().forEach(files::add);
                } catch (IOException e) {
                    return usageError(err, p + ": cannot read directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                return usageError(err, p + ": no such file or directory");
            }
        }
        if (files.isEmpty()) return usageError(err, "no .pkt files in " + paths);

        Map<String, String> allDefines = new LinkedHashMap<>(RunSettings.UPSTREAM_DEFINES);
        allDefines.putAll(defines);
        ScriptRunner runner = new ScriptRunner(RunSettings.defaults(),
            toleranceOverride());
        boolean progress = System.console() != null;
        List<ScriptResult> all = new ArrayList<>();
        int passed = 0, failed = 0, errors = 0, notes = 0, unreadable = 0;
        for (int k = 0; k < files.size(); k++) {
            Path f = files.get(k);
            List<ScriptResult> results = new ArrayList<>();
            Script script = null;
            try {
                script = ScriptParser.parse(f, allDefines);
            } catch (PacketdrillSyntaxException e) {
                results.addAll(errorOnEveryBackend(f, names, e.line(), e.getMessage()));
            } catch (IOException e) {
                unreadable++;
                results.addAll(errorOnEveryBackend(f, names, 0, f + ": cannot read: " + e.getMessage()));
            }
            if (script == null) {
                // One line for the script, whichever backends it was meant for.
                out.println(results.get(0).failure().message());
            }
            for (int b = 0; script != null && b < names.size(); b++) {
                if (progress) {
                    err.print("\r\033[K[" + (k + 1) + "/" + files.size() + "] " + names.get(b) + " " + f);
                    err.flush();
                }
                results.add(runOn(runner, script, names.get(b), factories.get(b)));
            }
            if (progress) {
                err.print("\r\033[K");
                err.flush();
            }
            for (ScriptResult r : results) {
                switch (r.verdict()) {
                    case PASS -> passed++;
                    case FAIL -> failed++;
                    case ERROR -> errors++;
                }
                if (!r.passed() && script != null) {
                    out.println((names.size() > 1 ? "[" + r.backend() + "] " : "") + r.failure().message());
                }
                notes += r.notes().size();
                if (verbose) r.notes().forEach(n -> out.println("  note: " + r.path() + ": " + n));
            }
            if (script != null && results.size() == 2) {
                LogDiff.firstDivergence(results.get(0), results.get(1))
                    .ifPresent(d -> out.println(f + ": " + d));
            }
            all.addAll(results);
            out.flush();
        }
        if (unreadable == files.size()) {
            err.println("packetdrill: no script could be read");
            err.flush();
            return 2;
        }
        if (json != null) {
            try {
                writeJson(json, all);
            } catch (IOException e) {
                err.println("packetdrill: cannot write " + json + ": " + e.getMessage());
                err.flush();
                return 2;
            }
        }
        if (notes > 0 && !verbose) {
            out.println(notes + " notes (commands not modeled, refused sysctls, skipped packets): see -v or --json");
        }
        out.println(passed + " passed, " + (failed + errors) + " failed" + (errors > 0 ? " (" + errors
            + (errors == 1 ? " error" : " errors") + ": not parsed, not modelled or not runnable)" : ""));
        out.flush();
        return failed + errors == 0 ? 0 : 1;
    }

    private OptionalLong toleranceOverride() {
        return toleranceUsecs == null ? OptionalLong.empty() : OptionalLong.of(toleranceUsecs);
    }

    /** A script that cannot be run gets an {@code error} verdict on each backend it was meant for. */
    private static List<ScriptResult> errorOnEveryBackend(Path f, List<String> backends, int line, String message) {
        List<ScriptResult> results = new ArrayList<>();
        for (String b : backends) {
            results.add(new ScriptResult(f.toString(), b, ScriptResult.Verdict.ERROR,
                new ScriptResult.Failure(line, message, List.of()), List.of(),
                List.of(new ScriptResult.LogEntry(line, "fail", message, 0, message))));
        }
        return results;
    }

    /** One run; a backend that cannot even be made (no privileges, no TUN device) is this script's error. */
    private static ScriptResult runOn(ScriptRunner runner, Script script, String name, Supplier<Backend> factory) {
        Backend backend;
        try {
            backend = factory.get();
        } catch (RuntimeException | LinkageError e) {
            String message = script.path() + ":0: backend " + name + " unavailable: " + e.getMessage();
            return errorOnEveryBackend(Path.of(script.path()), List.of(name), 0, message).get(0);
        }
        return runner.run(script, backend);
    }

    private static int usageError(PrintWriter err, String message) {
        err.println("packetdrill: " + message);
        err.flush();
        return 2;
    }

    static void writeJson(Path file, List<ScriptResult> results) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        for (ScriptResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", r.path());
            m.put("backend", r.backend());
            m.put("verdict", r.verdict().label());
            if (r.failure() == null) {
                m.put("failure", null);
            } else {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("line", r.failure().line());
                f.put("message", r.failure().message());
                f.put("detail", r.failure().detail());
                m.put("failure", f);
            }
            m.put("notes", r.notes());
            List<Map<String, Object>> log = new ArrayList<>();
            for (ScriptResult.LogEntry e : r.log()) {
                Map<String, Object> le = new LinkedHashMap<>();
                le.put("line", e.line());
                le.put("kind", e.kind());
                le.put("text", e.text());
                le.put("timeUsecs", e.timeUsecs());
                log.add(le);
            }
            m.put("log", log);
            records.add(m);
        }
        // Written beside the target and moved into place, so that a failed write leaves no half file.
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), records);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
