package tcpsim.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tcpsim.explore.ReplayFile;
import tcpsim.explore.Replayer;
import tcpsim.explore.Timeline;
import tcpsim.link.WireTap;
import tcpsim.net.wire.PcapWriter;
import tcpsim.runtime.Trace;
import tcpsim.scenario.ScenarioException;

/** tcpsim replay FILE: run a saved violation again and show its timeline. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay a violation saved by explore: print its timeline (one lane per actor) and the invariant that broke. "
        + "Exit 1: the invariant breaks again, as recorded; 3: it no longer does; 2: bad input.")
public final class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "a replay file (JSON) written by tcpsim explore")
    Path file;

    @Option(names = "--svg", paramLabel = "FILE", description = "draw the timeline as an SVG sequence diagram")
    Path svg;

    @Option(names = "--pcap", paramLabel = "FILE", description = "write every segment on the wire as pcap (virtual timestamps)")
    Path pcap;

    @Option(names = "--quiet", description = "no timeline, only the verdict")
    boolean quiet;

    private static int bad(String what) {
        System.err.println("tcpsim replay: " + what);
        return 2;
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isReadable(file)) return bad(file + ": no such readable file");
        ReplayFile f;
        try {
            f = ReplayFile.read(file);
        } catch (IllegalArgumentException e) {
            return bad(file + ": " + e.getMessage());
        }
        PcapWriter pcapOut = pcap != null ? new PcapWriter(pcap) : null;
        WireTap tap = pcapOut == null ? WireTap.NONE : (nanos, p) -> {
            try {
                pcapOut.write(nanos / 1000, p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        Replayer.Outcome o;
        try {
            o = Replayer.replay(f, List.of(), tap);
        } catch (ScenarioException e) {
            System.out.println("the scenario in " + file + " no longer loads, so the model changed since the file was written: "
                + e.getMessage());
            return 3;
        } catch (IllegalArgumentException e) {
            return bad(file + ": " + e.getMessage());
        } finally {
            if (pcapOut != null) pcapOut.close();
        }
        String verdict = o.reproduced()
            ? "invariant " + f.invariant() + " broke at step " + o.violation().step() + ", virtual time "
                + Trace.time(o.violation().virtualNanos()) + " s: " + o.violation().message()
            : "invariant " + f.invariant() + " held: the violation recorded in " + file + " no longer happens"
                + " (it was: " + f.message() + ")";
        if (!quiet) {
            System.out.printf("tcpsim replay %s   scenario %s   seed %d%s   %d choices, %d not the default%n%n", file,
                f.scenarioPath(), f.seed(), f.inject().isEmpty() ? "" : "   inject " + String.join(",", f.inject()),
                tcpsim.runtime.Schedule.decode(f.choices()).size(), f.deviations());
            System.out.print(Timeline.of(o.trace(), o.scenario()).text(null));
            System.out.println();
        }
        if (svg != null) {
            Files.writeString(svg, Timeline.of(o.trace(), o.scenario()).svg("tcpsim replay " + file.getFileName(), verdict));
        }
        if (o.changed() != null) System.out.println(o.changed());
        System.out.println(verdict);
        return o.reproduced() ? 1 : 3;
    }
}
