package tcpsim.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive on abstract programs without actors: processes of steps, some pairs of processes
 * dependent, some processes made ready by another's step. A brute-force enumeration of every
 * interleaving gives the known numbers: how many interleavings, and how many Mazurkiewicz traces.
 */
class ExhaustiveTest {
    /** A process: its step count, and the step of another process that makes it ready (null: ready at start). */
    record Proc(String name, int steps, String enabledBy, int afterStep) {
        static Proc of(String name, int steps) {
            return new Proc(name, steps, null, 0);
        }
    }

    record Program(List<Proc> procs, Set<Set<String>> dependentPairs) {
        boolean dependent(Object a, Object b) {
            return a.equals(b) || dependentPairs.contains(Set.of((String) a, (String) b));
        }

        /** Runs the program under a chooser as ExploringStrategy would: items in the order they became ready. */
        List<String> run(Chooser chooser) {
            List<Object> ready = new ArrayList<>();
            Map<String, Integer> done = new java.util.HashMap<>();
            for (Proc p : procs) if (p.enabledBy() == null) ready.add(p.name());
            List<String> order = new ArrayList<>();
            while (!ready.isEmpty()) {
                chooser.stepped();
                int i = ready.size() > 1 ? chooser.choose(java.util.Collections.unmodifiableList(ready)) : 0;
                String p = (String) ready.remove(i);
                chooser.ran(p);
                order.add(p);
                int n = done.merge(p, 1, Integer::sum);
                for (Proc q : procs) if (p.equals(q.enabledBy()) && q.afterStep() == n) ready.add(q.name());
                if (n < proc(p).steps()) ready.add(p);
            }
            return order;
        }

        Proc proc(String name) {
            return procs.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        }

        /** The trace of an interleaving: its projection on every pair of dependent processes. */
        String trace(List<String> order) {
            StringBuilder b = new StringBuilder();
            for (Set<String> pair : dependentPairs) {
                for (String p : order) if (pair.contains(p)) b.append(p).append(',');
                b.append('|');
            }
            return b.toString();
        }

        /** Every interleaving, by brute force. */
        List<List<String>> interleavings() {
            List<List<String>> all = new ArrayList<>();
            List<Integer> picks = new ArrayList<>();
            while (true) {
                int[] at = {0};
                List<Integer> options = new ArrayList<>();
                List<String> order = run(owners -> {
                    int pick = at[0] < picks.size() ? picks.get(at[0]) : 0;
                    if (at[0] >= picks.size()) picks.add(0);
                    options.add(owners.size());
                    at[0]++;
                    return pick;
                });
                all.add(order);
                int k = picks.size() - 1;
                while (k >= 0 && picks.get(k) + 1 >= options.get(k)) k--;
                if (k < 0) return all;
                picks.set(k, picks.get(k) + 1);
                picks.subList(k + 1, picks.size()).clear();
            }
        }
    }

    static List<List<String>> explore(Program prog, Exhaustive search) {
        List<List<String>> runs = new ArrayList<>();
        for (Chooser c = search.next(); c != null; c = search.next()) {
            runs.add(prog.run(c));
            search.finished();
            assertTrue(runs.size() < 100_000, "the search must end");
        }
        return runs;
    }

    static void assertOneRunPerTrace(Program prog) {
        List<List<String>> all = prog.interleavings();
        Set<String> traces = new HashSet<>();
        for (List<String> o : all) traces.add(prog.trace(o));

        Exhaustive search = new Exhaustive(1_000, prog::dependent);
        List<List<String>> runs = explore(prog, search);
        assertTrue(search.complete());
        assertEquals(traces.size(), search.classes(), "one class per Mazurkiewicz trace; " + search.summary());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < runs.size(); i++) seen.add(prog.trace(runs.get(i)));
        assertEquals(traces, seen, "every trace reached");
        assertTrue(search.naiveIsExact());
        assertEquals(all.size(), search.naive(), "naive = every interleaving");
        assertEquals("complete: all " + traces.size() + " classes explored", search.summary().substring(0, search.summary().indexOf(" (")));

        Exhaustive naive = new Exhaustive(1_000, Exhaustive.everythingDependent());
        explore(prog, naive);
        assertEquals(all.size(), naive.classes(), "with everything dependent, every interleaving is its own class");
        assertEquals(0, naive.blocked());
        assertEquals(all.size(), naive.naive());
    }

    @Test
    void twoDependentProcessesAndOneIndependentGiveSixTracesOfNinetyInterleavings() {
        Program p = new Program(List.of(Proc.of("a", 2), Proc.of("b", 2), Proc.of("c", 2)), Set.of(Set.of("a", "b")));
        assertEquals(90, p.interleavings().size());
        assertOneRunPerTrace(p);
        Exhaustive search = new Exhaustive(1_000, p::dependent);
        explore(p, search);
        assertEquals(6, search.classes(), "C(4,2) orders of a's and b's steps; c commutes with both");
    }

    @Test
    void independentProcessesAreOneClass() {
        Program p = new Program(List.of(Proc.of("a", 3), Proc.of("b", 2), Proc.of("c", 1)), Set.of());
        Exhaustive search = new Exhaustive(1_000, p::dependent);
        explore(p, search);
        assertEquals(1, search.classes());
        assertEquals(60, search.naive(), "6!/(3!2!1!)");
    }

    @Test
    void aChainOfDependencesAndProcessesMadeReadyByOthers() {
        Program p = new Program(List.of(Proc.of("a", 2), Proc.of("b", 2), new Proc("c", 2, "a", 1), new Proc("d", 1, "b", 2),
            Proc.of("e", 1)),
            Set.of(Set.of("a", "b"), Set.of("b", "c"), Set.of("c", "d"), Set.of("d", "e")));
        assertOneRunPerTrace(p);
    }

    @Test
    void everyPairDependentIsEveryInterleaving() {
        Program p = new Program(List.of(Proc.of("a", 2), Proc.of("b", 1), Proc.of("c", 2)),
            Set.of(Set.of("a", "b"), Set.of("b", "c"), Set.of("a", "c")));
        assertOneRunPerTrace(p);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "seed {0}")
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void seededRandomProgramsHaveOneRunPerTrace(long seed) {
        java.util.Random r = new java.util.Random(seed);
        int n = 3 + r.nextInt(3);
        List<Proc> procs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.valueOf((char) ('a' + i));
            int steps = 1 + r.nextInt(i < 2 ? 3 : 2);
            if (i >= 3) steps = 1; // brute force stays under a few thousand interleavings
            if (i >= 2 && r.nextBoolean()) {
                Proc by = procs.get(r.nextInt(i));
                procs.add(new Proc(name, steps, by.name(), 1 + r.nextInt(by.steps())));
            } else {
                procs.add(Proc.of(name, steps));
            }
        }
        Set<Set<String>> pairs = new HashSet<>();
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (r.nextInt(3) > 0) pairs.add(Set.of(procs.get(i).name(), procs.get(j).name()));
        assertOneRunPerTrace(new Program(procs, pairs));
    }

    @Test
    void theBoundCutsTheTreeAndTheSearchSaysSo() {
        Program p = new Program(List.of(Proc.of("a", 2), Proc.of("b", 2)), Set.of(Set.of("a", "b")));
        Exhaustive search = new Exhaustive(1, p::dependent);
        explore(p, search);
        assertTrue(search.complete());
        assertEquals(2, search.classes(), "one choice explored: a first or b first, then oldest first");
        assertFalse(search.naiveIsExact());
    }
}
