package tcpsim.net;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import tcpsim.net.ipv4.InetHashtables;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Trace;

/**
 * struct net: what kernel code reads of its namespace through sock_net(sk) — sysctls, MIB counters,
 * secrets, the clock and the trace. One value per namespace, handed to every net/ipv4 function that
 * needs any of it. The hash tables and the actors that stand for locks are not here: they belong to
 * the host's registry.
 */
public final class Net {
    public final String name;
    /** The namespace's one IPv4 address (its interface's). */
    public final int addr;
    public final int mtu;
    public final Sysctls sysctl;
    public final Mib mib = new Mib();
    public final Clock clock;
    public final Trace trace;

    /** Race-injection switches in force: none in the faithful model. */
    public final Set<Inject> inject;

    /** Per-namespace secrets and draws, all from the scenario seed (net_get_random_once etc.). */
    public final Random random;
    public final long isnSecret;
    public final long tsSecret;
    public final long portSecret;
    /** net/ipv4/inet_hashtables.c: table_perturb */
    public final InetHashtables.TablePerturb tablePerturb = new InetHashtables.TablePerturb();

    public Net(String name, int addr, Sysctls sysctl, int mtu, long seed, Clock clock, Trace trace) {
        this(name, addr, sysctl, mtu, seed, clock, trace, Set.of());
    }

    public Net(String name, int addr, Sysctls sysctl, int mtu, long seed, Clock clock, Trace trace, Set<Inject> inject) {
        this.inject = inject.isEmpty() ? Set.of() : EnumSet.copyOf(inject);
        this.name = name;
        this.addr = addr;
        this.sysctl = sysctl;
        this.mtu = mtu;
        this.clock = clock;
        this.trace = trace;
        this.random = new Random(seed);
        this.isnSecret = random.nextLong();
        this.tsSecret = random.nextLong();
        this.portSecret = random.nextLong();
    }

    /** Is this race-injection switch on? */
    public boolean injected(Inject i) {
        return inject.contains(i);
    }

    /** Virtual time now, in ns (tcp_clock_ns). */
    public long now() {
        return clock.nanos();
    }

    /** The MSS a segment of this interface can carry: MTU less the IPv4 and TCP headers. */
    public int advmss() {
        return mtu - 40;
    }

    @Override
    public String toString() {
        return name + "(" + Skb.ip(addr) + ")";
    }
}
