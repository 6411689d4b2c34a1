package tcpsim.packetdrill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import tcpsim.packetdrill.kernel.KernelBackend;
import tcpsim.packetdrill.model.ModelBackend;
import tcpsim.runtime.Simulation;

/** The project's own scripts (src/test/resources), and running one on either backend as the CLI would. */
final class ProjectScripts {
    private ProjectScripts() {}

    static Path dir(String name) {
        return Path.of(System.getProperty("tcpsim.home", ".")).toAbsolutePath().normalize()
            .resolve("src/test/resources").resolve(name);
    }

    static List<Path> scripts(String name) throws IOException {
        try (Stream<Path> s = Files.list(dir(name))) {
            return s.filter(p -> p.toString().endsWith(".pkt")).sorted().toList();
        }
    }

    static ScriptResult onModel(Path script, Simulation sim) throws Exception {
        return run(script, new ModelBackend(sim));
    }

    /**
     * The live kernel at 14 ms tolerance, as the kernel's own ksft_runner uses on slow machines:
     * kernel-baseline.md measured HZ=250 timers up to ~8 ms late here, and a loaded CI machine adds
     * scheduling delay. The model runs on virtual time and keeps packetdrill's default 4 ms.
     */
    static final long KERNEL_TOLERANCE_USECS = 14_000;

    static ScriptResult onKernel(Path script) throws Exception {
        return run(script, new KernelBackend());
    }

    /** A script on a backend (or one standing in front of it), at the tolerance its name calls for. */
    static ScriptResult run(Path script, Backend backend) throws Exception {
        OptionalLong tolerance = backend.name().equals("kernel") ? OptionalLong.of(KERNEL_TOLERANCE_USECS)
            : OptionalLong.empty();
        return new ScriptRunner(RunSettings.defaults(), tolerance).run(parse(script), backend);
    }

    private static Script parse(Path script) throws Exception {
        return ScriptParser.parse(script, RunSettings.UPSTREAM_DEFINES);
    }

    /** Why the kernel backend cannot run here, or null when it can (root, /dev/net/tun, unshare, ip). */
    static String kernelUnavailable() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) return "the kernel backend needs root (uid " + uid + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot tell the uid: " + e.getMessage();
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) return "the kernel backend needs /dev/net/tun";
        for (String tool : List.of("unshare", "ip")) {
            boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
            if (!found) return "the kernel backend needs '" + tool + "' on PATH";
        }
        return null;
    }
}
