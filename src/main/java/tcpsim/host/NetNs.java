package tcpsim.host;

import akka.actor.typed.ActorRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tcpsim.hash.BindBucketActor;
import tcpsim.hash.EhashBucketActor;
import tcpsim.link.LinkActor;
import tcpsim.link.Wire;
import tcpsim.net.Inject;
import tcpsim.net.Net;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.ipv4.FourTuple;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.runtime.Clock;
import tcpsim.runtime.ModelChoices;
import tcpsim.runtime.Trace;
import tcpsim.sock.ListenerEntry;
import tcpsim.sock.RequestSockActor;
import tcpsim.timer.TimerBaseActor;

/**
 * A namespace's registry: its kernel context ({@link Net}, what sock_net(sk) gives kernel code), its
 * hash tables, and the actors that stand for its locks, timers and slabs. The tables are read
 * without locks (the kernel's RCU lookups: the receive demux, __inet_check_established's readers);
 * only the bucket and listener actors, which stand for the locks, write them.
 */
public final class NetNs {
    public final Net net;
    public final String name;
    public final int addr;

    /** ehash: 4-tuple to full socket or request sock. */
    public final ConcurrentHashMap<FourTuple, InetHashtables.EhashEntry> ehash = new ConcurrentHashMap<>();
    /**
     * lhash2, by port: the listeners on it, in the order they listened. Each list is immutable and
     * replaced whole (the kernel's RCU list), so a lookup reads one consistent list without a lock.
     */
    public final ConcurrentHashMap<Integer, List<ListenerEntry>> lhash = new ConcurrentHashMap<>();

    /** Every socket the namespace holds, for ss-like reports; guarded by itself. */
    public final List<TcpSock> socks = new ArrayList<>();

    /** Where packets for an address go: a link actor, or straight into a peer's mailbox. */
    private sealed interface Route {}

    private record ViaLink(ActorRef<LinkActor.Command> link) implements Route {}

    private record Direct(Wire wire, ActorRef<HostActor.Command> peer) implements Route {}

    private final Map<Integer, Route> routes = new ConcurrentHashMap<>();
    /** Bucket lock counts: powers of two, small (the kernel's lock arrays are small too). */
    public static final int EHASH_LOCKS = 64, BHASH_LOCKS = 64;

    @SuppressWarnings("unchecked")
    final ActorRef<EhashBucketActor.Command>[] ehashLocks = new ActorRef[EHASH_LOCKS];
    @SuppressWarnings("unchecked")
    final ActorRef<BindBucketActor.Command>[] bhashLocks = new ActorRef[BHASH_LOCKS];
    /**
     * Spawn a bucket lock on its first message rather than all 128 with the host (deterministic mode
     * only: a short run uses a handful, and spawning the rest was most of an explored schedule's cost).
     * Until a lock exists, and while messages for it wait in the host, its messages go through the
     * host, which spawns it and forwards them in order, so each sender's messages keep their order.
     */
    private boolean lazyLocks;
    final int[] ehashRouted = new int[EHASH_LOCKS], bhashRouted = new int[BHASH_LOCKS];
    ActorRef<TimerBaseActor.Command> timerBase;
    ActorRef<HostActor.Command> host;
    /** The slab new sockets come from (kmem_cache_cpu->slab), the spare to follow it, and how many the first gave out. */
    private ActorRef<SlabActor.Command> slab, spare;
    private int slabAllocs;
    /** Free request actors, the request_sock_TCP cache: last freed, first reused. */
    private final ArrayDeque<ActorRef<RequestSockActor.Command>> reqskCache = new ArrayDeque<>();
    /** /proc/slabinfo's num_objs of request_sock_TCP, and the number of socket slabs; the host counts. */
    int reqskObjects, sockSlabs;
    /** An explorer's choices and the timer jitter it may choose (none outside exploration); set before the run starts. */
    private ModelChoices choices = ModelChoices.NONE;
    private long timerJitterNanos;
    /**
     * Model-only: request-timer expiries that reached a request already freed (the use-after-free
     * of CVE-2024-50154, possible only with {@link Inject#REQSK_UNLINK_TIMER_PENDING}). 0 in the faithful model.
     */
    private final java.util.concurrent.atomic.AtomicInteger reqskTimerAfterFree = new java.util.concurrent.atomic.AtomicInteger();

    public NetNs(String name, int addr, Sysctls sysctl, int mtu, long seed, Clock clock, Trace trace) {
        this(name, addr, sysctl, mtu, seed, clock, trace, Set.of());
    }

    public NetNs(String name, int addr, Sysctls sysctl, int mtu, long seed, Clock clock, Trace trace, Set<Inject> inject) {
        this.net = new Net(name, addr, sysctl, mtu, seed, clock, trace, inject);
        this.name = name;
        this.addr = addr;
    }

    /** Let an explorer jitter this namespace's timers by up to {@code timerJitterNanos}; before the run starts. */
    public void explore(ModelChoices choices, long timerJitterNanos) {
        this.choices = choices;
        this.timerJitterNanos = timerJitterNanos;
    }

    public ModelChoices choices() {
        return choices;
    }

    public long timerJitterNanos() {
        return timerJitterNanos;
    }

    /** See {@link #reqskTimerAfterFree}; counted on the driver thread by the request actors. */
    public void reqskTimerAfterFree() {
        reqskTimerAfterFree.incrementAndGet();
    }

    public int reqskTimerAfterFreeCount() {
        return reqskTimerAfterFree.get();
    }

    /** Bumped by every lhash2 insert, so an observer can tell when a new listener appeared. */
    private final java.util.concurrent.atomic.AtomicInteger lhashAdds = new java.util.concurrent.atomic.AtomicInteger();

    public int lhashAdds() {
        return lhashAdds.get();
    }

    /** inet_hash for a listener: it joins the end of its port's lhash2 list. */
    public void lhashAdd(ListenerEntry l) {
        lhashAdds.incrementAndGet();
        lhash.compute(l.sk().inetNum, (port, list) -> {
            if (list == null) return List.of(l);
            List<ListenerEntry> copy = new ArrayList<>(list.size() + 1);
            copy.addAll(list);
            copy.add(l);
            return List.copyOf(copy);
        });
    }

    /** inet_unhash for a listener: it leaves its port's lhash2 list. */
    public void lhashRemove(int port, ListenerEntry l) {
        lhash.computeIfPresent(port, (p, list) -> {
            List<ListenerEntry> copy = new ArrayList<>(list);
            copy.remove(l);
            return copy.isEmpty() ? null : List.copyOf(copy);
        });
    }

    /** The listeners on a port (__inet_lookup_listener reads this without a lock). */
    public List<ListenerEntry> listeners(int port) {
        return lhash.getOrDefault(port, List.of());
    }

    /** Spawn bucket locks on first use (deterministic mode: one thread, so the counts need no lock). */
    public void lazyLocks(boolean lazy) {
        this.lazyLocks = lazy;
    }

    boolean lazyLocks() {
        return lazyLocks;
    }

    /** The ehash bucket lock of a tuple (inet_ehash_lockp). */
    static int ehashIndex(FourTuple t) {
        return Math.floorMod(t.hashCode(), EHASH_LOCKS);
    }

    /**
     * The bhash bucket lock of a port (inet_bhashfn). The top bits of a Fibonacci hash: with the low
     * bits, every port behind one lock would share them and crowd a few bins of the lock's own map.
     */
    static int bhashIndex(int port) {
        return (port * 0x9E3779B1) >>> Integer.numberOfLeadingZeros(BHASH_LOCKS - 1);
    }

    /** Send to the ehash bucket lock of {@code t}. */
    public void toEhash(FourTuple t, EhashBucketActor.Command m) {
        int i = ehashIndex(t);
        ActorRef<EhashBucketActor.Command> lock = ehashLocks[i];
        if (lock != null && ehashRouted[i] == 0) {
            lock.tell(m);
        } else {
            ehashRouted[i]++;
            host.tell(new HostActor.ToLock(true, i, m));
        }
    }

    /** Send to the bhash bucket lock of {@code port}. */
    public void toBhash(int port, BindBucketActor.Command m) {
        int i = bhashIndex(port);
        ActorRef<BindBucketActor.Command> lock = bhashLocks[i];
        if (lock != null && bhashRouted[i] == 0) {
            lock.tell(m);
        } else {
            bhashRouted[i]++;
            host.tell(new HostActor.ToLock(false, i, m));
        }
    }

    public ActorRef<TimerBaseActor.Command> timerBase() {
        return timerBase;
    }

    public ActorRef<HostActor.Command> host() {
        return host;
    }

    /**
     * Where socket() and inet_csk_clone_lock get their socket actor. A full slab is swapped for the
     * spare, and the host asked for a new spare; a burst that outruns it overfills the slab a little.
     */
    public synchronized ActorRef<SlabActor.Command> slab() {
        if (slabAllocs >= SlabActor.OBJECTS && spare != null) {
            slab = spare;
            spare = null;
            slabAllocs = 0;
            host.tell(new HostActor.NewSlab());
        }
        slabAllocs++;
        return slab;
    }

    /** A new slab from the host: the first becomes current, later ones the spare. */
    synchronized void addSlab(ActorRef<SlabActor.Command> s) {
        if (slab == null) slab = s;
        else spare = s;
    }

    /** include/net/request_sock.h: reqsk_alloc's kmem_cache_alloc — a free request actor, or null. */
    public ActorRef<RequestSockActor.Command> reqskAlloc() {
        synchronized (reqskCache) {
            return reqskCache.pollLast();
        }
    }

    /** Request actors made so far: the most requests that were ever alive at once. */
    public int reqskObjects() {
        return reqskObjects;
    }

    /** Request actors free in the cache now. */
    public int reqskFreeObjects() {
        synchronized (reqskCache) {
            return reqskCache.size();
        }
    }

    /** Socket slabs made so far. */
    public int sockSlabs() {
        return sockSlabs;
    }

    /** include/net/request_sock.h: reqsk_free's kmem_cache_free. */
    public void reqskFree(ActorRef<RequestSockActor.Command> req) {
        synchronized (reqskCache) {
            reqskCache.addLast(req);
        }
    }

    /** ip route add DADDR via a link with a delay (one link per peer). */
    public void route(int daddr, ActorRef<LinkActor.Command> link) {
        routes.put(daddr, new ViaLink(link));
    }

    /**
     * A zero-delay link: packets pass the wire (loss draw, trace, tap) and go straight into the peer's
     * mailbox — still a scheduling point, one message fewer than a relay actor.
     */
    public void route(int daddr, Wire wire, ActorRef<HostActor.Command> peer) {
        routes.put(daddr, new Direct(wire, peer));
    }

    public boolean routed(int daddr) {
        return routes.containsKey(daddr);
    }

    /**
     * ip_queue_xmit / ip_build_and_send_pkt: hand the packet to the link toward its destination (the
     * TCP functions that built it counted it). Without a route it is dropped (the model routes only
     * to linked hosts).
     */
    public void xmit(Packet p) {
        Route r = routes.get(p.daddr());
        if (r instanceof ViaLink v) {
            v.link().tell(new LinkActor.Transmit(p));
        } else if (r instanceof Direct d) {
            if (d.wire().transmit(p)) d.peer().tell(new HostActor.Rx(p));
        } else if (net.trace.on()) {
            net.trace.event("noroute", name, p.toString());
        }
    }

    public void register(TcpSock sk) {
        synchronized (socks) {
            socks.add(sk);
        }
    }

    public void unregister(TcpSock sk) {
        synchronized (socks) {
            socks.remove(sk);
        }
    }

    @Override
    public String toString() {
        return name + "(" + Skb.ip(addr) + ")";
    }
}
