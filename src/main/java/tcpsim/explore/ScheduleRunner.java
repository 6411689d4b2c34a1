package tcpsim.explore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.link.WireTap;
import tcpsim.net.Mib;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Schedule;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.sim.SimRun;
import tcpsim.sim.Topology;
import tcpsim.sock.ListenerEntry;

/**
 * Runs schedules of one topology on one reused deterministic Simulation (one per thread), checking
 * safety invariants before every step and liveness invariants at the end. Nothing is rendered as text
 * unless a trace is asked for.
 */
public final class ScheduleRunner implements AutoCloseable {
    /** What one schedule did. {@code violation} is null when every invariant held. */
    public record Outcome(Schedule schedule, Violation violation, long endState, long steps, long virtualNanos) {}

    /** The first invariant that broke: its index in the runner's list, its message, the step and time. */
    public record Violation(Invariant invariant, String message, long step, long virtualNanos) {}

    private final Simulation sim;
    private final Topology topo;
    private final long seed;
    private final long untilNanos;
    private final List<Invariant> invariants;
    private final Invariant[] safety;
    private final Invariant[] liveness;
    /** Checks run, by invariant (index into {@link #invariants}). */
    final long[] checks;
    private final int[] safetyIndex;
    private final int[] livenessIndex;

    private final boolean ownsSim;

    /** A runner with its own Simulation, driven from the calling thread only. */
    public ScheduleRunner(Topology topo, long seed, long untilNanos, List<Invariant> invariants) {
        this(Simulation.deterministic(Strategy.fifo()), true, topo, seed, untilNanos, invariants);
    }

    private ScheduleRunner(Simulation sim, boolean ownsSim, Topology topo, long seed, long untilNanos,
                           List<Invariant> invariants) {
        this.sim = sim;
        this.ownsSim = ownsSim;
        this.topo = topo;
        this.seed = seed;
        this.untilNanos = untilNanos;
        this.invariants = List.copyOf(invariants);
        this.safety = invariants.stream().filter(i -> i.kind() == Invariant.Kind.SAFETY).toArray(Invariant[]::new);
        this.liveness = invariants.stream().filter(i -> i.kind() == Invariant.Kind.LIVENESS).toArray(Invariant[]::new);
        this.safetyIndex = new int[safety.length];
        this.livenessIndex = new int[liveness.length];
        for (int i = 0; i < safety.length; i++) safetyIndex[i] = this.invariants.indexOf(safety[i]);
        for (int i = 0; i < liveness.length; i++) livenessIndex[i] = this.invariants.indexOf(liveness[i]);
        this.checks = new long[invariants.size()];
    }

    /** A runner on the same Simulation that checks only {@code invariant} (minimising and replaying do). */
    public ScheduleRunner only(Invariant invariant) {
        return new ScheduleRunner(sim, false, topo, seed, untilNanos, List.of(invariant));
    }

    /** A fifo run's step count: the k that PCT and delay bounding draw their points from. */
    public int fifoSteps() {
        int[] steps = {0};
        run(new Chooser() {
            public int choose(List<Object> owners) { return 0; }
            public void stepped() { steps[0]++; }
        });
        return steps[0];
    }

    public List<Invariant> invariants() {
        return invariants;
    }

    public Simulation simulation() {
        return sim;
    }

    /** One schedule, its choices made by {@code chooser}; no trace. */
    public Outcome run(Chooser chooser) {
        return run(chooser, Trace.OFF, WireTap.NONE);
    }

    /** One schedule with a trace and a wire tap (replay renders through these). */
    public Outcome run(Chooser chooser, Trace trace, WireTap tap) {
        ExploringStrategy strategy = new ExploringStrategy(chooser, "explore");
        sim.strategy(strategy);
        View view = new View(strategy);
        SimRun.Result r = SimRun.run(sim, topo, seed, untilNanos, trace, tap, view::start, hosts -> view.end());
        // the choices up to the run's end: stopping its actors afterwards is no part of the schedule
        Schedule all = strategy.schedule();
        int n = view.choicesAtEnd;
        Schedule s = n == all.size() ? all
            : new Schedule(java.util.Arrays.copyOf(all.picks(), n), java.util.Arrays.copyOf(all.optionCounts(), n));
        return new Outcome(s, view.violation, view.endState, view.steps, r.virtualNanos());
    }

    @Override
    public void close() {
        if (ownsSim) sim.close();
    }

    /** The run as invariants see it, and the per-step check. */
    private final class View implements RunView {
        private final ExploringStrategy strategy;
        private Map<String, NetNs> hosts;
        private RunStats stats;
        private final Map<ListenerEntry, String> listeners = new LinkedHashMap<>();
        private boolean ended;
        long steps;
        Violation violation;
        long endState;

        View(ExploringStrategy strategy) {
            this.strategy = strategy;
        }

        BooleanSupplier start(Map<String, NetNs> hosts, RunStats stats) {
            this.hosts = hosts;
            this.stats = stats;
            return this::step;
        }

        /** Before every step: true stops the run at the first broken safety invariant. */
        private boolean step() {
            steps++;
            rememberListeners();
            return checkAll(safety, safetyIndex);
        }

        private boolean checkAll(Invariant[] which, int[] index) {
            for (int i = 0; i < which.length; i++) {
                checks[index[i]]++;
                String msg = which[i].check(this);
                if (msg != null) {
                    violation = new Violation(which[i], msg, steps, sim.nowNanos());
                    return true;
                }
            }
            return false;
        }

        /** lhash2 inserts seen so far, summed over the hosts: a new listener changes it. */
        private int lhashAddsSeen;

        private void rememberListeners() {
            int adds = 0;
            for (NetNs ns : hosts.values()) adds += ns.lhashAdds();
            if (adds == lhashAddsSeen) return;
            lhashAddsSeen = adds;
            for (NetNs ns : hosts.values()) {
                if (ns.lhash.isEmpty()) continue;
                for (List<ListenerEntry> ls : ns.lhash.values()) for (ListenerEntry l : ls) listeners.putIfAbsent(l, ns.name);
            }
        }

        int choicesAtEnd;

        void end() {
            choicesAtEnd = strategy.schedule().size();
            ended = true;
            if (violation == null && !checkAll(safety, safetyIndex)) checkAll(liveness, livenessIndex);
            endState = digest(hosts);
        }

        @Override public Map<String, NetNs> hosts() { return hosts; }
        @Override public RunStats stats() { return stats; }
        @Override public long nowNanos() { return sim.nowNanos(); }
        @Override public boolean quiescent() { return strategy.isEmpty(); }
        @Override public boolean ended() { return ended; }
        @Override public Map<ListenerEntry, String> listenersSeen() { return listeners; }
        @Override public long steps() { return steps; }
    }

    /**
     * The end state as a number: every host's sockets as ss lists them (state, addresses, ports, queue)
     * as a multiset, and its non-zero counters. Equal digests: the same end state, whatever the order
     * the sockets were made in.
     */
    static long digest(Map<String, NetNs> hosts) {
        long h = 0;
        int hostIndex = 0;
        for (NetNs ns : hosts.values()) {
            long socks = 0;
            synchronized (ns.socks) {
                for (TcpSock sk : ns.socks) {
                    if (sk.skState == TcpState.CLOSE) continue;
                    long x = sk.skState.ordinal();
                    x = x * 31 + sk.inetSaddr;
                    x = x * 31 + sk.inetNum;
                    x = x * 31 + sk.inetDaddr;
                    x = x * 31 + sk.inetDport;
                    socks += mix(x); // a sum: order does not matter
                }
            }
            long counters = 0;
            for (Mib.Counter c : Mib.Counter.values()) {
                long v = ns.net.mib.get(c);
                if (v != 0) counters += mix(c.ordinal() * 1_000_003L + v);
            }
            h = mix(h ^ mix(socks + hostIndex) ^ (counters * 0x9E3779B97F4A7C15L));
            hostIndex++;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9e63fe1a35bL;
        return z ^ (z >>> 33);
    }
}
