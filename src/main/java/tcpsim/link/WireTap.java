package tcpsim.link;

import tcpsim.net.Packet;

/** Sees every packet as it goes onto a link, with the virtual time (pcap writers, tests). */
@FunctionalInterface
public interface WireTap {
    void tap(long nanos, Packet packet);

    WireTap NONE = (n, p) -> {};
}
