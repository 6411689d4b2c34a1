package tcpsim.races;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tcpsim.host.NetNs;
import tcpsim.link.WireTap;
import tcpsim.net.Inject;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;
import tcpsim.runtime.Chooser;
import tcpsim.runtime.Choosers;
import tcpsim.runtime.ExploringStrategy;
import tcpsim.runtime.Simulation;
import tcpsim.runtime.Strategy;
import tcpsim.runtime.Trace;
import tcpsim.scenario.Scenario;
import tcpsim.scenario.ScenarioLoader;
import tcpsim.sim.ScenarioTopology;
import tcpsim.sim.SimRun;
import tcpsim.sim.Topology;

/**
 * Every race-injection switch, on its race scenario (simulations/races/): with the switch on, some
 * seed of a random walk and of PCT shows the bad outcome the switch stands for; with it off, the
 * same seeds show none. (The explorer, with invariants and minimisation, will take this over.)
 */
class RaceSwitchesTest {
    /** Seeds per chooser: every switch is found well within this (figures in BENCHMARKS.md). */
    static final int SEEDS = 300;
    static final int PCT_DEPTH = 3, PCT_STEPS = 300;

    static Simulation sim;

    @BeforeAll
    static void start() {
        sim = Simulation.deterministic(Strategy.fifo());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    /** The bad outcome of each switch, read from a finished run. */
    static Predicate<SimRun.Result> badOutcome(Inject sw) {
        return switch (sw) {
            // two live client sockets on one 4-tuple
            case CHECK_ESTABLISHED_UNLOCKED -> r -> sharedTuple(r.hosts().get("client"));
            // a listener and a connected socket on port 40000 at once: bound in conflict
            case BHASH_RELEASED_BEFORE_EHASH_CHECK -> r -> {
                List<TcpSock> on = socks(r.hosts().get("client"), s -> s.inetNum == 40000 && s.skState != TcpState.CLOSE);
                return on.stream().anyMatch(s -> s.skState == TcpState.LISTEN) && on.stream().anyMatch(s -> s.skState != TcpState.LISTEN);
            };
            // an ESTABLISHED child never accepted nor reset, its listener closed
            case REQSK_QUEUE_ADD_NO_LISTEN_CHECK -> r -> {
                NetNs server = r.hosts().get("server");
                long established = socks(server, s -> s.skState == TcpState.ESTABLISHED).size();
                boolean listening = !socks(server, s -> s.skState == TcpState.LISTEN).isEmpty();
                return !listening && established > r.stats().count("app1-listen-80", "accepted");
            };
            // two server children from one request: two sockets on one 4-tuple
            case EHASH_INSERT_NO_OWN_REQ -> r -> sharedTuple(r.hosts().get("server"));
            // the request timer ran on a freed request
            case REQSK_UNLINK_TIMER_PENDING -> r -> r.hosts().get("server").reqskTimerAfterFreeCount() > 0;
            // two listeners on port 80 without SO_REUSEPORT
            case LISTEN_START_NO_REVALIDATE -> r -> socks(r.hosts().get("server"), s -> s.skState == TcpState.LISTEN).size() > 1;
        };
    }

    static List<TcpSock> socks(NetNs ns, Predicate<TcpSock> p) {
        List<TcpSock> out = new ArrayList<>();
        synchronized (ns.socks) {
            for (TcpSock s : ns.socks) if (p.test(s)) out.add(s);
        }
        return out;
    }

    static boolean sharedTuple(NetNs ns) {
        Map<FourTuple, Integer> n = new HashMap<>();
        for (TcpSock s : socks(ns, s -> s.skState != TcpState.CLOSE && s.skState != TcpState.LISTEN)) {
            if (n.merge(s.tuple(), 1, Integer::sum) > 1) return true;
        }
        return false;
    }

    static Scenario scenario(Inject sw) {
        return ScenarioLoader.load(Path.of(sw.scenario));
    }

    /** The first seed in 1..SEEDS whose run shows the bad outcome, or -1. */
    static long firstHit(Scenario s, Topology topo, LongFunction<Chooser> chooser, Predicate<SimRun.Result> bad, long seeds) {
        for (long seed = 1; seed <= seeds; seed++) {
            sim.strategy(new ExploringStrategy(chooser.apply(seed), "explore"));
            SimRun.Result r = SimRun.run(sim, topo, s.seed(), s.untilNanos(), Trace.OFF, WireTap.NONE);
            if (bad.test(r)) return seed;
        }
        return -1;
    }

    static LongFunction<Chooser> random() {
        return Choosers::random;
    }

    static LongFunction<Chooser> pct() {
        return seed -> Choosers.pct(seed, PCT_DEPTH, PCT_STEPS);
    }

    @org.junit.jupiter.api.Test
    void everySwitchNamesARaceScenarioThatLoadsWithoutSwitches() {
        for (Inject sw : Inject.values()) {
            Scenario s = scenario(sw);
            assertTrue(s.inject().isEmpty(), sw.scenario + " runs the faithful model; the switch is added by the test or --inject");
            assertTrue(s.untilNanos() <= 5_000_000_000L, sw.scenario + " is a short run");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Inject.class)
    void theSwitchShowsItsRaceAndTheFaithfulModelDoesNot(Inject sw) {
        Scenario s = scenario(sw);
        Topology faithful = ScenarioTopology.from(s);
        Topology injected = faithful.withInject(Set.of(sw));
        Predicate<SimRun.Result> bad = badOutcome(sw);
        long random = firstHit(s, injected, random(), bad, SEEDS);
        long pct = firstHit(s, injected, pct(), bad, SEEDS);
        System.out.printf("%s: first hit at seed %d (random), %d (pct)%n", sw.key, random, pct);
        assertTrue(random > 0, sw.key + ": no random seed in 1.." + SEEDS + " shows the race");
        assertTrue(pct > 0, sw.key + ": no PCT seed in 1.." + SEEDS + " shows the race");
        long faithfulRandom = firstHit(s, faithful, random(), bad, Math.max(random, pct) + 50);
        long faithfulPct = firstHit(s, faithful, pct(), bad, Math.max(random, pct) + 50);
        assertEquals(-1, faithfulRandom, sw.key + ": the faithful model shows it (random seed " + faithfulRandom + ")");
        assertEquals(-1, faithfulPct, sw.key + ": the faithful model shows it (PCT seed " + faithfulPct + ")");
    }
}
