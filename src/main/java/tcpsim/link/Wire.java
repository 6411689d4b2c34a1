package tcpsim.link;

import java.util.Random;
import tcpsim.net.Packet;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Trace;

/**
 * What a link does to each packet as it goes on: the seeded loss draw, the trace line and the tap
 * (pcap). Shared by the link actor (delay > 0) and a zero-delay route, which hands packets straight to
 * the peer's mailbox. Synchronized: in wild mode senders on several threads share one wire.
 */
public final class Wire {
    private final String name;
    private final double loss;
    private final Random random;
    private final Clock clock;
    private final Trace trace;
    private final WireTap tap;

    public Wire(String name, double loss, long seed, Clock clock, Trace trace, WireTap tap) {
        this.name = name;
        this.loss = loss;
        this.random = new Random(seed);
        this.clock = clock;
        this.trace = trace;
        this.tap = tap;
    }

    /** Put a packet on the wire; false if the draw lost it. Every packet draws, so a seed fixes which. */
    public synchronized boolean transmit(Packet p) {
        boolean lost = loss > 0 && random.nextDouble() < loss;
        if (trace.on()) trace.event(lost ? "lost" : "wire", name, p.toString());
        tap.tap(clock.nanos(), p);
        return !lost;
    }

    /** An explorer's fault on a packet that passed the wire: a trace line; a duplicate is on the wire twice. */
    public synchronized void faulted(Faults.Fault f, Packet p) {
        if (trace.on()) trace.event("fault " + f.describe(), name, p.toString());
        if (f.kind() == Faults.Kind.DUPLICATE) tap.tap(clock.nanos(), p);
    }

    public String name() {
        return name;
    }
}
