package tcpsim.runtime;

import akka.actor.ActorCell;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code exhaustive} strategy: a bounded systematic search with partial-order reduction, source-DPOR
 * with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, Algorithm 1), run by run. Each run
 * replays a prefix of choices, takes one new alternative at its last node, then extends: at every new
 * choice point (up to {@code maxChoices} of them per run) it takes the oldest ready item that is not
 * asleep. When the run ends ({@link #finished()}), every race of its new events with earlier ones
 * adds an initial of the reversed race to the backtrack set of the node the earlier event was chosen
 * at, and the next run backtracks to the deepest node with an alternative left. Each equivalence class
 * (Mazurkiewicz trace) within the bound is run once; a run whose ready items all sleep is a repeat of
 * an explored class ("sleep-set blocked"), runs on oldest-first and is not counted as a class.
 *
 * <p><b>Steps and their dependence.</b> A step is one ready item run: an actor's mailbox run (its
 * system messages, then at most one message: dispatcher throughput 1) or a timer falling due. The
 * search observes each step's footprint from the ready lists it is shown: which actor ran, which
 * mailboxes grew or became ready during the step (its receivers, counted from
 * {@code numberOfMessages} before and after), and whether it delivered a message at all or only system
 * messages (an actor's creation). Two steps are dependent when
 * <ul>
 *   <li>they are the same actor's (or both timers'), or either is an item that is neither (never
 *       seen in this model: treated as touching everything);</li>
 *   <li>both sent to one mailbox: the order of the two messages in it is the order of the sends, so
 *       steps to different actors do NOT commute when they both send to a third (two clients' SYNs to
 *       one host);</li>
 *   <li>one only ran system messages (a creation) and the other sent to it: the message would have
 *       been taken in the same mailbox run otherwise;</li>
 *   <li>both delivered a message and the model's {@link Dependence} says their actors share state
 *       outside the mailboxes ({@link #modelDependence()}).</li>
 * </ul>
 * A step that sends to an actor does commute with that actor's own step (one appends to the tail of a
 * non-empty queue, the other takes its head). Happens-before is that dependence plus causality: a
 * message's send precedes its delivery (mailboxes are FIFO, so the k-th delivery is the k-th send),
 * and the step that made an actor ready precedes its next step. Races are pairs of dependent steps
 * ordered only by their own conflict.
 *
 * <p>The search ends where the model's run ends: once the user guardian (/user) runs again after the
 * run's actors (/user/run/...) have, it is stopping the run (RuntimeGuardian's StopRun, sent when
 * the run is over), and from there on the oldest ready item runs and no race is recorded. Those
 * steps are Akka tearing the actors down after the end state was taken; exploring their orders would
 * multiply every class by the number of ways to stop it. They are also what the counts cannot see: a
 * system message to an actor that already has one pending, a mailbox emptied when its actor stops.
 *
 * <p>Actors are told apart across runs by their paths, so a {@link Dependence} must answer the same
 * for two owners with the same paths; its answers are cached per pair of paths.
 */
public final class Exhaustive {
    /** Whether two actors' message deliveries may touch common state outside their mailboxes. */
    public interface Dependence {
        boolean dependent(Object ownerA, Object ownerB);
    }

    /** A bound on the linear-extension count of one class: beyond it naive() falls back to an estimate. */
    static final int NAIVE_STATES = 200_000;

    private final int maxChoices;
    private final Dependence dependence;
    private final ArrayList<Node> path = new ArrayList<>();
    private final HashMap<Object, Integer> keyIds = new HashMap<>();
    private final HashMap<Long, Boolean> dependenceCache = new HashMap<>();
    /** The node the next run branches at, and the alternative it takes there; -1 for the first run. */
    private int branchAt = -1;
    private Object branchItem;
    private Run current;
    private boolean complete;
    private long classes, blocked, truncated;
    private BigInteger naiveExact = BigInteger.ZERO;
    private boolean naiveIsExact = true;
    /** Knuth's estimate per class: the product of the option counts along it; their mean stands for the tree. */
    private double knuthLog10Sum;

    public Exhaustive(int maxChoices, Dependence dependence) {
        if (maxChoices < 0) throw new IllegalArgumentException("maxChoices must be >= 0, got " + maxChoices);
        this.maxChoices = maxChoices;
        this.dependence = dependence;
    }

    /** The chooser for the next run, or null when the search is complete. */
    public Chooser next() {
        if (complete) return null;
        if (current != null) throw new IllegalStateException("the previous run has not finished()");
        current = new Run();
        return current;
    }

    /** The run that used {@link #next()}'s chooser has ended: record its races and pick the next branch. */
    public void finished() {
        Run r = current;
        if (r == null) throw new IllegalStateException("finished() without a run from next()");
        current = null;
        r.finish();
        if (r.blocked) {
            blocked++;
        } else {
            classes++;
            if (r.truncated) truncated++;
            countNaive(r);
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            Object alt = path.get(i).nextAlternative();
            if (alt != null) {
                path.subList(i + 1, path.size()).clear();
                branchAt = i;
                branchItem = alt;
                return;
            }
        }
        path.clear();
        complete = true;
    }

    /** Every class within the bound explored. */
    public boolean complete() {
        return complete;
    }

    /** Runs that were new equivalence classes. */
    public long classes() {
        return classes;
    }

    /** Runs that turned out to repeat an explored class (all ready items asleep at some point). */
    public long blocked() {
        return blocked;
    }

    /** Classes that had more choice points than the bound (beyond it, the oldest ready item ran). */
    public long truncated() {
        return truncated;
    }

    /**
     * How many schedules a naive DFS over the same tree would have run. Exact ({@link #naiveIsExact()})
     * when no class was cut by the bound and each class's happens-before order was small enough to
     * count its linearisations (every linearisation of a class's order is one naive schedule, and
     * every naive schedule is a linearisation of exactly one class). Otherwise Knuth's estimate:
     * the mean over classes of the product of the option counts at their choice points. Saturates
     * at Long.MAX_VALUE; see {@link #naiveLog10()}.
     */
    public long naive() {
        if (naiveIsExact) return naiveExact.bitLength() < 63 ? naiveExact.longValue() : Long.MAX_VALUE;
        double l = naiveLog10();
        return l >= 18.9 ? Long.MAX_VALUE : Math.round(Math.pow(10, l));
    }

    public boolean naiveIsExact() {
        return naiveIsExact;
    }

    /** log10 of {@link #naive()}, unsaturated. */
    public double naiveLog10() {
        if (naiveIsExact) return naiveExact.signum() == 0 ? 0 : Math.log10(naiveExact.doubleValue()) +
            Math.max(0, naiveExact.bitLength() - 1000) * Math.log10(2);
        return classes == 0 ? 0 : knuthLog10Sum / classes;
    }

    /** "complete: all N classes explored", or how far an unfinished search got. */
    public String summary() {
        String naiveText = naiveIsExact ? "naive DFS: " + naiveExact + " schedules"
            : String.format("naive DFS: about 10^%.1f schedules (estimated)", naiveLog10());
        String head = complete ? "complete: all " + classes + " classes explored"
            : "incomplete: " + classes + " classes explored so far";
        return head + " (" + (classes + blocked) + " runs, " + blocked + " sleep-set blocked"
            + (truncated > 0 ? ", " + truncated + " cut at " + maxChoices + " choices" : "") + "; " + naiveText + ")";
    }

    /** Every pair of actors dependent: the search without reduction, a naive DFS. */
    public static Dependence everythingDependent() {
        return (a, b) -> true;
    }

    /**
     * The model's shared state outside the mailboxes, from the actors' paths. A due timer is dependent
     * with everything. Actors outside /user/run (Akka's guardians) keep to their own state. The run's
     * root (/user/run) builds the namespaces and their routes, which every sender reads: dependent
     * with every actor of the run. Actors of different namespaces (/user/run/HOST/...) share nothing:
     * each has its own {@code NetNs} and {@code Net}, and links here are loss-free (a lossy
     * {@code Wire} draws from one Random for every packet: use {@link #everythingDependent()} then).
     * Within a namespace these read or write state that is not theirs:
     * <ul>
     *   <li>the host actor (tcp_v4_rcv): reads ehash and lhash2 without a lock (RCU), a listener's
     *       sk_state, sk_max_ack_backlog and queue counters (tcp_conn_request), takes request actors
     *       from the request_sock cache;</li>
     *   <li>ehash-N: write ehash (a bucket only its own tuples, so two buckets commute);</li>
     *   <li>bhash-N: read the bind owners' socks while checking conflicts;</li>
     *   <li>req-N: read the listener's sk_state, move its queue counters (qlen, young,
     *       sk_ack_backlog), free themselves to the cache, take socket slots (ns.slab());</li>
     *   <li>sockets (slab-N/sock-M) and their accept queues: listeners write lhash2, sk_state and
     *       sk_max_ack_backlog; children and accept queues move the counters; connect() draws from
     *       the namespace's Random and moves table_perturb;</li>
     *   <li>the applications: socket() takes a slot from the current slab (ns.slab()).</li>
     * </ul>
     * All of these are mutually dependent (except two ehash buckets). Left out, with only their own
     * state: {@code timers} (the timer base; the order of ties among due timers it arms is explored
     * anyway, timers being dependent with everything) and the slab actors themselves (they spawn
     * sockets). Shared but only observed, not read by the model: the MIB counters (increments
     * commute), the ss socket list, the trace and RunStats.
     */
    public static Dependence modelDependence() {
        return (a, b) -> {
            if (!(a instanceof ActorCell) || !(b instanceof ActorCell)) return true;
            return modelDependent(ExploringStrategy.describe(a), ExploringStrategy.describe(b));
        };
    }

    static boolean modelDependent(String a, String b) {
        if (!a.startsWith("/user/run") || !b.startsWith("/user/run")) return false;
        String[] pa = a.split("/"), pb = b.split("/"); // "", "user", "run", host, child, ...
        if (pa.length <= 3 || pb.length <= 3) return true; // the run's root
        if (!pa[3].equals(pb[3])) return false;
        String ca = pa.length > 4 ? pa[4] : "", cb = pb.length > 4 ? pb[4] : "";
        if (!shared(ca, pa.length) || !shared(cb, pb.length)) return false;
        return !(ca.startsWith("ehash-") && cb.startsWith("ehash-") && !ca.equals(cb));
    }

    private static boolean shared(String child, int depth) {
        if (child.equals("timers")) return false;
        return !(child.startsWith("slab-") && depth == 5); // the slab actor, not its sockets
    }

    // ---- the search tree ----

    /** A choice point of the current path. */
    private static final class Node {
        /** Item keys of the ready items, in their order. */
        final List<Object> ready;
        /** The sleep set on reaching this node. */
        final List<Step> sleep;
        final Set<Object> sleepItems = new HashSet<>();
        final LinkedHashSet<Object> backtrack = new LinkedHashSet<>();
        /** Alternatives run from here, with their footprints. */
        final List<Step> done = new ArrayList<>();
        final Set<Object> doneItems = new HashSet<>();
        Object chosen;

        Node(List<Object> ready, List<Step> sleep) {
            this.ready = ready;
            this.sleep = sleep;
            for (Step s : sleep) sleepItems.add(s.item);
        }

        Object nextAlternative() {
            for (Object item : ready) {
                if (backtrack.contains(item) && !doneItems.contains(item) && !sleepItems.contains(item)) return item;
            }
            return null;
        }

        void take(Object item, Step step) {
            chosen = item;
            backtrack.add(item);
            done.add(step);
            doneItems.add(item);
        }
    }

    /** One step of a run: its footprint and its place in happens-before. */
    private static final class Step {
        final int index;
        final Object owner;
        /** The process (actor path, "timer", or the toy's owner) and the ready item (timers: "timer#i"). */
        final Object proc, item;
        final boolean sys, global;
        Set<Object> receivers = Set.of();
        /** Causal predecessors: this process's previous step, the send of the message delivered, the enabler. */
        Step prev, sender, enabler;
        int procId, seq;
        int[] vc;
        /** The node this step was chosen at, or -1. */
        int node = -1;

        Step(int index, Object owner, Object proc, Object item, boolean sys, boolean global) {
            this.index = index;
            this.owner = owner;
            this.proc = proc;
            this.item = item;
            this.sys = sys;
            this.global = global;
        }

        boolean before(Step other) {
            return procId < other.vc.length && other.vc[procId] >= seq;
        }
    }

    private boolean dependent(Step a, Step b) {
        if (a.proc.equals(b.proc) || a.global || b.global) return true;
        for (Object r : a.receivers) if (b.receivers.contains(r)) return true;
        if (a.sys && b.receivers.contains(a.proc) || b.sys && a.receivers.contains(b.proc)) return true;
        if (a.sys || b.sys) return false;
        long key = ((long) keyId(a.proc) << 32) | keyId(b.proc);
        Boolean d = dependenceCache.get(key);
        if (d == null) {
            d = dependence.dependent(a.owner, b.owner);
            dependenceCache.put(key, d);
            dependenceCache.put(((long) keyId(b.proc) << 32) | keyId(a.proc), d);
        }
        return d;
    }

    private int keyId(Object key) {
        return keyIds.computeIfAbsent(key, k -> keyIds.size());
    }

    // ---- one run ----

    private final class Run implements Chooser {
        final ArrayList<Step> steps = new ArrayList<>();
        final IdentityHashMap<Object, Object> procOf = new IdentityHashMap<>();
        final HashMap<Object, Integer> procIds = new HashMap<>();
        final HashMap<Object, Step> last = new HashMap<>();
        final HashMap<Object, ArrayDeque<Step>> senders = new HashMap<>();
        final HashMap<Object, Step> enablers = new HashMap<>();
        /** The ready list before the step now running, with mailbox sizes; null before the first. */
        final IdentityHashMap<Object, Integer> before = new IdentityHashMap<>();
        Step running;
        boolean finalized;
        List<Object> shown;
        int choices;
        /** The step index from which races are new to this run. */
        int newFrom = Integer.MAX_VALUE;
        final ArrayList<Step> sleep = new ArrayList<>();
        boolean sleeping, blocked, truncated;
        /** Steps from here on ran after the run was found blocked: no longer part of the search. */
        int blockedFrom = Integer.MAX_VALUE;
        /** Steps from here on stop the run (RuntimeGuardian's StopRun and every actor's termination). */
        int stopping = Integer.MAX_VALUE;
        boolean begun;
        double knuthLog10;

        Run() {
            if (branchAt < 0) {
                sleeping = true;
                newFrom = 0;
            }
        }

        @Override
        public void stepped() {
            finalized = false;
            shown = null;
        }

        @Override
        public int choose(List<Object> owners) {
            if (stopping < Integer.MAX_VALUE) return 0;
            settle(owners);
            shown = List.copyOf(owners); // the strategy's list is a live view: it loses the chosen item before ran()
            List<Object> items = items(owners);
            int c = choices++;
            if (c < maxChoices) knuthLog10 += Math.log10(owners.size());
            if (c < path.size() && c < branchAt) {
                Node n = path.get(c);
                if (!n.ready.equals(items)) throw new IllegalStateException("exhaustive: the run differs from the "
                    + "one it replays at choice " + c + " (" + n.ready + " then, " + items + " now): the model is not "
                    + "deterministic");
                return items.indexOf(n.chosen);
            }
            if (c == branchAt) {
                Node n = path.get(c);
                if (!n.ready.equals(items)) throw new IllegalStateException("exhaustive: replay diverged at choice " + c);
                sleep.addAll(n.sleep);
                sleep.addAll(n.done);
                sleeping = true;
                newFrom = steps.size();
                pendingNode = c;
                pendingItem = branchItem;
                return items.indexOf(branchItem);
            }
            if (blocked) return 0;
            if (c >= maxChoices) {
                truncated = true;
                return 0;
            }
            Set<Object> asleep = new HashSet<>();
            for (Step s : sleep) asleep.add(s.item);
            for (int i = 0; i < items.size(); i++) {
                if (asleep.contains(items.get(i))) continue;
                Node n = new Node(items, List.copyOf(sleep));
                path.add(n);
                pendingNode = path.size() - 1;
                pendingItem = items.get(i);
                return i;
            }
            blocked = true;
            blockedFrom = steps.size();
            return 0;
        }

        int pendingNode = -1;
        Object pendingItem;

        @Override
        public void ran(Object owner) {
            if (stopping < Integer.MAX_VALUE) return;
            if (!finalized) settle(shown != null ? shown : List.of(owner));
            List<Object> list = shown != null ? shown : List.of(owner);
            int at = -1;
            for (int i = 0; i < list.size(); i++) if (list.get(i) == owner) { at = i; break; }
            Object proc = proc(owner);
            if (proc instanceof String path && owner instanceof ActorCell) {
                if (path.startsWith("/user/run")) begun = true;
                else if (begun && path.equals("/user")) {
                    stopping = steps.size();
                    return;
                }
            }
            Object item = owner == Schedule.TIMER ? "timer#" + timerRank(list, at) : proc;
            boolean cell = owner instanceof ActorCell;
            Step s = new Step(steps.size(), owner, proc, item, cell && count(owner) == 0, owner instanceof Runnable);
            s.prev = last.get(proc);
            last.put(proc, s);
            if (cell && !s.sys) {
                ArrayDeque<Step> q = senders.get(proc);
                if (q != null) s.sender = q.poll();
            }
            s.enabler = enablers.remove(proc);
            s.procId = procIds.computeIfAbsent(proc, k -> procIds.size());
            s.seq = s.prev == null ? 1 : s.prev.seq + 1;
            if (pendingNode >= 0) {
                Node n = path.get(pendingNode);
                n.take(pendingItem, s);
                s.node = pendingNode;
                pendingNode = -1;
            } else if (shown != null && choices - 1 < branchAt) {
                s.node = choices - 1; // a replayed choice: its node is on the path
            }
            steps.add(s);
            running = s;
            before.clear();
            for (Object o : list) if (o != Schedule.TIMER) before.put(o, count(o));
        }

        /** The step that ran last has ended; {@code now} is what is ready now. */
        void settle(List<Object> now) {
            finalized = true;
            Step s = running;
            if (s == null) return;
            running = null;
            Set<Object> receivers = null;
            for (Object o : now) {
                if (o == Schedule.TIMER) continue; // due timers are ordered by dependence, not by an enabler
                Integer had = before.get(o);
                int after = count(o);
                Object p = proc(o);
                int sent;
                if (had == null) {
                    sent = after;
                    enablers.put(p, s);
                } else {
                    sent = after - (o == s.owner && had > 0 ? had - 1 : had);
                }
                if (had == null || sent > 0) {
                    if (receivers == null) receivers = new HashSet<>();
                    receivers.add(p);
                }
                for (int k = 0; k < sent; k++) senders.computeIfAbsent(p, x -> new ArrayDeque<>()).add(s);
            }
            if (receivers != null) s.receivers = receivers;
            order(s);
            if (sleeping) sleep.removeIf(q -> dependent(q, s));
        }

        /** Vector clock of {@code s}, and its races with earlier steps when they are new to this run. */
        void order(Step s) {
            int[] c = new int[procIds.size()];
            join(c, s.prev);
            join(c, s.sender);
            join(c, s.enabler);
            boolean races = s.index >= newFrom && s.index < Math.min(blockedFrom, stopping);
            List<Step> raced = null;
            for (int j = s.index - 1; j >= 0; j--) {
                Step e = steps.get(j);
                if (e.procId == s.procId) continue;
                if (e.procId < c.length && c[e.procId] >= e.seq) continue;
                if (!dependent(e, s)) continue;
                if (races && e.node >= 0) {
                    if (raced == null) raced = new ArrayList<>();
                    raced.add(e);
                }
                join(c, e);
            }
            c[s.procId] = s.seq;
            s.vc = c;
            if (raced != null) for (Step e : raced) race(e, s);
        }

        void join(int[] c, Step e) {
            if (e == null) return;
            int[] v = e.vc;
            for (int i = 0; i < v.length && i < c.length; i++) if (v[i] > c[i]) c[i] = v[i];
            if (c[e.procId] < e.seq) c[e.procId] = e.seq;
        }

        /** Source-DPOR: e and s race; an initial of notdep(e).s must be tried at e's node. */
        void race(Step e, Step s) {
            Node n = path.get(e.node);
            ArrayList<Step> v = new ArrayList<>();
            for (int j = e.index + 1; j < s.index; j++) {
                Step w = steps.get(j);
                if (!e.before(w)) v.add(w);
            }
            v.add(s);
            ArrayList<Object> initials = new ArrayList<>();
            boolean unseen = false;
            for (int i = 0; i < v.size(); i++) {
                Step w = v.get(i);
                boolean initial = true;
                for (int k = 0; k < i && initial; k++) if (v.get(k).before(w)) initial = false;
                if (!initial) continue;
                List<Object> items = itemsAt(n, w);
                if (items.isEmpty()) unseen = true;
                for (Object item : items) {
                    if (n.backtrack.contains(item)) return;
                    initials.add(item);
                }
            }
            if (unseen) {
                n.backtrack.addAll(n.ready); // an initial that was not ready there: cannot tell, so every alternative
                return;
            }
            for (Object item : initials) {
                if (!n.sleepItems.contains(item)) {
                    n.backtrack.add(item);
                    return;
                }
            }
            n.backtrack.add(initials.get(0));
        }

        /** The node's ready items that stand for step w's process. */
        List<Object> itemsAt(Node n, Step w) {
            if (w.owner == Schedule.TIMER) {
                List<Object> timers = new ArrayList<>();
                for (Object item : n.ready) if (item instanceof String t && t.startsWith("timer#")) timers.add(item);
                return timers;
            }
            return n.ready.contains(w.proc) ? List.of(w.proc) : List.of();
        }

        void finish() {
            settle(List.of());
        }

        List<Object> items(List<Object> owners) {
            List<Object> items = new ArrayList<>(owners.size());
            int timers = 0;
            for (Object o : owners) items.add(o == Schedule.TIMER ? "timer#" + timers++ : proc(o));
            return Collections.unmodifiableList(items);
        }

        int timerRank(List<Object> list, int at) {
            int r = 0;
            for (int i = 0; i < at; i++) if (list.get(i) == Schedule.TIMER) r++;
            return r;
        }

        Object proc(Object owner) {
            if (owner == Schedule.TIMER) return "timer";
            if (!(owner instanceof ActorCell)) return owner;
            return procOf.computeIfAbsent(owner, ExploringStrategy::describe);
        }

        int count(Object owner) {
            return owner instanceof ActorCell cell ? cell.mailbox().numberOfMessages() : 0;
        }
    }

    // ---- the naive count ----

    private void countNaive(Run r) {
        knuthLog10Sum += r.knuthLog10;
        if (!naiveIsExact) return;
        if (r.truncated) {
            naiveIsExact = false;
            return;
        }
        BigInteger n = linearisations(r.steps);
        if (n == null) naiveIsExact = false;
        else naiveExact = naiveExact.add(n);
    }

    /** How many orders of the steps respect happens-before (by DP over its downsets), or null if too many states. */
    static BigInteger linearisations(List<Step> steps) {
        int procs = 0;
        for (Step s : steps) procs = Math.max(procs, s.procId + 1);
        List<List<Step>> chains = new ArrayList<>();
        for (int i = 0; i < procs; i++) chains.add(new ArrayList<>());
        for (Step s : steps) chains.get(s.procId).add(s);
        Map<IntKey, BigInteger> memo = new HashMap<>();
        try {
            return count(new int[procs], chains, memo, steps.size());
        } catch (TooMany e) {
            return null;
        }
    }

    private static final class TooMany extends RuntimeException {
        TooMany() {
            super(null, null, false, false);
        }
    }

    private record IntKey(int[] a) {
        @Override public boolean equals(Object o) { return o instanceof IntKey k && java.util.Arrays.equals(a, k.a); }
        @Override public int hashCode() { return java.util.Arrays.hashCode(a); }
    }

    private static BigInteger count(int[] pos, List<List<Step>> chains, Map<IntKey, BigInteger> memo, int left) {
        if (left == 0) return BigInteger.ONE;
        IntKey key = new IntKey(pos);
        BigInteger known = memo.get(key);
        if (known != null) return known;
        if (memo.size() >= NAIVE_STATES) throw new TooMany();
        BigInteger total = BigInteger.ZERO;
        for (int q = 0; q < pos.length; q++) {
            List<Step> chain = chains.get(q);
            if (pos[q] >= chain.size()) continue;
            Step e = chain.get(pos[q]);
            boolean ready = true;
            for (int r = 0; r < e.vc.length && ready; r++) if (r != q && e.vc[r] > pos[r]) ready = false;
            if (!ready) continue;
            int[] next = pos.clone();
            next[q]++;
            total = total.add(count(next, chains, memo, left - 1));
        }
        memo.put(key, total);
        return total;
    }
}
