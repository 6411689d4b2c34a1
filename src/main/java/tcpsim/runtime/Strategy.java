package tcpsim.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Random;

/**
 * Picks which ready item (an actor's mailbox, or a scheduled task) runs next. Every message delivery
 * is a scheduling point (dispatcher throughput 1), so the strategy decides the interleaving.
 * Items arrive in a deterministic order (the order in which the model's sends made them ready),
 * so a strategy that depends only on that order and its seed is reproducible.
 */
public interface Strategy {
    void add(Runnable item);

    /** Remove and return the next item to run; only called when not empty. */
    Runnable poll();

    boolean isEmpty();

    int size();

    void clear();

    /** Name and parameters, for traces and reports. */
    String describe();

    static Strategy fifo() {
        return new Fifo();
    }

    static Strategy random(long seed) {
        return new SeededRandom(seed);
    }

    /** "fifo" or "random" (seeded with the scenario seed). */
    static Strategy named(String name, long seed) {
        return switch (name) {
            case "fifo" -> fifo();
            case "random" -> random(seed);
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "' (expected fifo or random)");
        };
    }

    /** First ready, first run: the order the sends happened in. */
    final class Fifo implements Strategy {
        private final ArrayDeque<Runnable> q = new ArrayDeque<>();
        public void add(Runnable item) { q.addLast(item); }
        public Runnable poll() { return q.pollFirst(); }
        public boolean isEmpty() { return q.isEmpty(); }
        public int size() { return q.size(); }
        public void clear() { q.clear(); }
        public String describe() { return "fifo"; }
    }

    /**
     * Uniformly random among the ready items, from java.util.Random (its algorithm is specified,
     * so a seed gives the same choices on every JVM).
     */
    final class SeededRandom implements Strategy {
        private final ArrayList<Runnable> items = new ArrayList<>();
        private final long seed;
        private final Random random;

        SeededRandom(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
        }

        public void add(Runnable item) { items.add(item); }

        public Runnable poll() {
            int i = random.nextInt(items.size());
            int last = items.size() - 1;
            Runnable r = items.get(i);
            items.set(i, items.get(last));
            items.remove(last);
            return r;
        }

        public boolean isEmpty() { return items.isEmpty(); }
        public int size() { return items.size(); }
        public void clear() { items.clear(); }
        public String describe() { return "random(seed=" + seed + ")"; }
    }
}
