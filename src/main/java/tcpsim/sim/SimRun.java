package tcpsim.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.link.Faults;
import tcpsim.link.WireTap;
import tcpsim.runtime.ModelChoices;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Trace;
import tcpsim.scenario.ExploreSpec;

/** Runs one topology on a Simulation and hands back what happened. */
public final class SimRun {
    private SimRun() {}

    /** The outcome of one run; the namespaces hold the final sockets and counters. */
    public record Result(long virtualNanos, long wallNanos, long deliveries, boolean appsDone, RunStats stats,
                         Map<String, NetNs> hosts) {}

    /** Wild mode has no quiescence to wait for: after the apps are done, give in-flight work this long. */
    static final long WILD_GRACE_NANOS = 200_000_000L;

    /**
     * Build the namespaces, start the run, and drive it: in deterministic mode until nothing is left
     * to do or virtual time reaches {@code untilNanos}; in wild mode until the apps are done (or
     * {@code untilNanos} of real time passed), plus a short grace.
     */
    public static Result run(Simulation sim, Topology topo, long seed, long untilNanos, Trace trace, WireTap tap) {
        return run(sim, topo, seed, untilNanos, trace, tap, hosts -> {}, Progress.NONE);
    }

    /** Told now and then (every 65,536 deliveries) how far a deterministic run has got. */
    @FunctionalInterface
    public interface Progress {
        void at(long virtualNanos, long deliveries);

        Progress NONE = (v, d) -> {};
    }

    /**
     * Asked once per deterministic run, when the namespaces exist, for the test evaluated before every
     * step: true stops the run there (the explorer checks its safety invariants in it).
     */
    @FunctionalInterface
    public interface StopWhen {
        BooleanSupplier start(Map<String, NetNs> hosts, RunStats stats);
    }

    /**
     * As above; {@code beforeStop} gets the namespaces while the run's actors still exist (benchmarks
     * measure heap there; tests may send messages and drive the simulation further).
     */
    public static Result run(Simulation sim, Topology topo, long seed, long untilNanos, Trace trace, WireTap tap,
                             Consumer<Map<String, NetNs>> beforeStop, Progress progress) {
        StopWhen stopWhen = progress == Progress.NONE ? (h, s) -> () -> false : (h, s) -> {
            long[] steps = {0};
            long deliveries0 = sim.deliveries();
            return () -> {
                if ((++steps[0] & 0xFFFF) == 0) progress.at(sim.nowNanos(), sim.deliveries() - deliveries0);
                return false;
            };
        };
        return run(sim, topo, seed, untilNanos, trace, tap, stopWhen, beforeStop);
    }

    /** As above, a deterministic run stopping early when {@code stopWhen}'s test holds. */
    public static Result run(Simulation sim, Topology topo, long seed, long untilNanos, Trace trace, WireTap tap,
                             StopWhen stopWhen, Consumer<Map<String, NetNs>> beforeStop) {
        Map<String, NetNs> hosts = new LinkedHashMap<>();
        // an explorer's strategy offers the model's own choices, within the scenario's bounds
        ModelChoices choices = sim.modelChoices();
        ExploreSpec bounds = topo.explore();
        int i = 0;
        for (Topology.Host h : topo.hosts()) {
            NetNs ns = new NetNs(h.name(), h.addr(), h.sysctls(), h.mtu(), NetworkActor.hostSeed(seed, i++),
                sim.clock(), trace, topo.inject());
            if (bounds.timerJitterNanos() > 0) ns.explore(choices, bounds.timerJitterNanos());
            ns.lazyLocks(sim.mode() == Simulation.Mode.DETERMINISTIC);
            hosts.put(h.name(), ns);
        }
        Faults faults = bounds.faults()
            ? new Faults(choices, bounds.drops(), bounds.duplicates(), bounds.delayNanos()) : Faults.NONE;
        RunStats stats = new RunStats();
        sim.trace(trace, TraceFormat::message);
        long deliveries0 = sim.deliveries();
        long wall0 = System.nanoTime(); // the report's wall time; the model never sees it
        sim.startRun(NetworkActor.create(topo, hosts, seed, stats, sim.clock(), trace, tap, faults));
        long virtual;
        long wall;
        if (sim.mode() == Simulation.Mode.DETERMINISTIC) {
            sim.runUntil(stopWhen.start(hosts, stats), untilNanos);
            virtual = sim.nowNanos();
            wall = System.nanoTime() - wall0;
        } else {
            sim.runUntil(stats::done, untilNanos);
            virtual = sim.nowNanos();
            wall = System.nanoTime() - wall0; // up to the last client's answer, not the grace below
            sim.runUntil(() -> false, virtual + WILD_GRACE_NANOS);
        }
        long deliveries = sim.deliveries() - deliveries0;
        boolean done = stats.done();
        try {
            beforeStop.accept(hosts);
        } finally {
            sim.stopRun();
            sim.trace(Trace.OFF, TraceFormat::message);
        }
        return new Result(virtual, wall, deliveries, done, stats, hosts);
    }
}
