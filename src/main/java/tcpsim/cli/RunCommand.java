package tcpsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tcpsim.link.WireTap;
import tcpsim.net.wire.PcapWriter;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioException;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.Report;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.SimRun;

/** tcpsim run SCENARIO.conf: run a scenario and show what happened. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a scenario (HOCON, see simulations/README.md) and print outcomes, ss and nstat.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SCENARIO.conf", description = "the scenario file")
    Path scenario;

    @Option(names = "--seed", description = "seed (default: the scenario's)")
    Long seed;

    @Option(names = "--trace", paramLabel = "FILE", description = "write the trace: one line per delivered message, state change and segment")
    Path trace;

    @Option(names = "--pcap", paramLabel = "FILE", description = "write every segment on the wire as pcap (virtual timestamps)")
    Path pcap;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON")
    Path json;

    @Option(names = "--mode", defaultValue = "deterministic", description = "deterministic (default) or wild")
    String mode;

    @Option(names = "--strategy", defaultValue = "fifo", description = "scheduling strategy in deterministic mode: fifo or random (seeded)")
    String strategy;

    @Override
    public Integer call() throws IOException {
        Simulation.Mode m;
        switch (mode) {
            case "deterministic" -> m = Simulation.Mode.DETERMINISTIC;
            case "wild" -> m = Simulation.Mode.WILD;
            default -> {
                System.err.println("tcpsim run: --mode: expected deterministic or wild, got '" + mode + "'");
                return 2;
            }
        }
        Scenario s;
        try {
            s = ScenarioLoader.load(scenario);
        } catch (ScenarioException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (ConfigException e) {
            System.err.println("conf/application.conf: " + e.getMessage());
            return 2;
        }
        long theSeed = seed != null ? seed : s.seed();
        Strategy strat;
        try {
            strat = Strategy.named(strategy, theSeed);
        } catch (IllegalArgumentException e) {
            System.err.println("tcpsim run: --strategy: " + e.getMessage());
            return 2;
        }
        tcpsim.sim.Topology topo;
        try {
            topo = ScenarioTopology.from(s);
        } catch (ScenarioTopology.NotModelled e) {
            System.err.println(e.getMessage());
            return 2;
        }

        Writer traceOut = trace != null ? Files.newBufferedWriter(trace) : null;
        PcapWriter pcapOut = pcap != null ? new PcapWriter(pcap) : null;
        // Ctrl-C: what was written so far stays readable, and the user is told where it stopped
        long[] reached = {0, 0};
        boolean[] finished = {false};
        Thread flush = new Thread(() -> {
            closeQuietly(traceOut, pcapOut);
            if (!finished[0]) {
                System.err.printf("%ntcpsim run: interrupted at virtual time %s s after %,d messages%s%n",
                    Trace.time(reached[0]), reached[1],
                    trace != null || pcap != null ? "; the trace and pcap written so far are complete up to there" : "");
            }
        });
        Runtime.getRuntime().addShutdownHook(flush);
        try (Simulation sim = Simulation.create(m, strat)) {
            Trace t = traceOut != null ? Trace.to(traceOut, sim.clock()) : Trace.OFF;
            WireTap tap = pcapOut == null ? WireTap.NONE : (nanos, p) -> {
                synchronized (pcapOut) {
                    try {
                        pcapOut.write(nanos / 1000, p);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            boolean tty = System.console() != null;
            long[] lastPrint = {System.nanoTime()};
            boolean[] printed = {false};
            SimRun.Progress progress = (virtual, messages) -> {
                reached[0] = virtual;
                reached[1] = messages;
                if (tty && System.nanoTime() - lastPrint[0] > 1_000_000_000L) {
                    lastPrint[0] = System.nanoTime();
                    printed[0] = true;
                    System.err.printf("\r  virtual %s s of %s s, %,d messages ", Trace.time(virtual), Trace.time(s.untilNanos()), messages);
                }
            };
            SimRun.Result r = SimRun.run(sim, topo, theSeed, s.untilNanos(), t, tap, hosts -> {}, progress);
            if (printed[0]) System.err.print("\r\033[K");
            finished[0] = true;
            String title = "tcpsim run " + scenario + "   seed " + theSeed + "   mode " + mode
                + (m == Simulation.Mode.DETERMINISTIC ? " (" + strat.describe() + ")" : " (not reproducible)");
            System.out.print(Report.text(title, r));
            if (json != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                    Report.json(scenario.toString(), theSeed, mode, strat.describe(), r));
            }
        } finally {
            closeQuietly(traceOut, pcapOut);
            Runtime.getRuntime().removeShutdownHook(flush);
        }
        return 0;
    }

    private static void closeQuietly(Writer w, PcapWriter p) {
        try {
            if (w != null) w.close();
        } catch (IOException ignored) {
            // the stream is gone; nothing more can be saved
        }
        try {
            if (p != null) p.close();
        } catch (IOException ignored) {
            // idem
        }
    }
}
