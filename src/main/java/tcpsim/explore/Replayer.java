package tcpsim.explore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tcpsim.link.WireTap;
import tcpsim.net.Inject;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.Schedule;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.Topology;

/** Runs a replay file's schedule again, with a trace, and says whether its invariant still breaks. */
public final class Replayer {
    private Replayer() {}

    /**
     * What the replay did.
     *
     * @param violation   the recorded invariant's violation in the replayed run, or null if it held
     * @param changed     null, or why the model (or the file's scenario) is not the one that wrote the file
     * @param trace       the run's trace, one event a line
     */
    public record Outcome(Scenario scenario, ScheduleRunner.Violation violation, String changed, String trace,
                          long virtualNanos) {
        public boolean reproduced() {
            return violation != null;
        }
    }

    /** Replay with the built-in invariants, plus {@code more} (a user's own, which a file names but cannot hold). */
    public static Outcome replay(ReplayFile f, List<Invariant> more, WireTap tap) {
        if (f.scenarioText() == null) throw new IllegalArgumentException("the replay file holds no scenario text (a topology built in Java)");
        Invariant inv = Invariants.byName(f.invariant());
        for (Invariant i : more) if (i.name().equals(f.invariant())) inv = i;
        if (inv == null) {
            throw new IllegalArgumentException("invariant '" + f.invariant() + "' is not built in (built in: " + Invariants.names()
                + "); replay a user invariant from Java with Replayer.replay(file, List.of(invariant), tap)");
        }
        Schedule schedule = Schedule.decode(f.choices());
        StringBuilder changed = new StringBuilder();
        if (f.scenarioHash() != null && !f.scenarioHash().equals(ReplayFile.sha256(f.scenarioText()))) {
            changed.append("the scenario text in the file does not match its recorded hash (edited by hand?)");
        }
        Scenario s;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tcpsim-replay");
            String name = f.scenarioPath() == null ? "scenario.conf" : Path.of(f.scenarioPath()).getFileName().toString();
            Path p = dir.resolve(name);
            Files.writeString(p, f.scenarioText());
            s = ScenarioLoader.load(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
        Set<Inject> switches = new LinkedHashSet<>();
        for (String k : f.inject()) {
            Inject i = Inject.byKey(k).orElse(null);
            if (i == null) {
                return new Outcome(s, null, "the model has no race-injection switch '" + k + "' any more", "", 0);
            }
            switches.add(i);
        }
        Topology topo = ScenarioTopology.from(s).withInject(switches);
        Choosers.Replay chooser = Choosers.replay(schedule);
        StringBuilder trace = new StringBuilder();
        ScheduleRunner.Outcome o;
        try (ScheduleRunner runner = new ScheduleRunner(topo, f.seed(), s.untilNanos(), List.of(inv))) {
            o = runner.run(chooser, Trace.to(trace, runner.simulation().clock()), tap);
        }
        if (chooser.diverged() && chooser.divergedAt() < o.schedule().size()) {
            sep(changed).append("the model changed since the file was written: at choice ").append(chooser.divergedAt())
                .append(" a different number of items was ready than recorded");
        } else if (o.schedule().size() != schedule.size()) {
            sep(changed).append("the model changed since the file was written: the run made ").append(o.schedule().size())
                .append(" choices, the file recorded ").append(schedule.size());
        }
        if (!tcpsim.Version.VERSION.equals(f.version()) && changed.length() > 0) {
            changed.append(" (written by tcpsim ").append(f.version()).append(", this is ").append(tcpsim.Version.VERSION).append(')');
        }
        return new Outcome(s, o.violation(), changed.length() == 0 ? null : changed.toString(), trace.toString(), o.virtualNanos());
    }

    private static StringBuilder sep(StringBuilder b) {
        if (b.length() > 0) b.append("; ");
        return b;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
