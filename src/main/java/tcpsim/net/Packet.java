package tcpsim.net;

/** What can cross a link: a TCP segment or an ICMP error about one. */
public sealed interface Packet permits Skb, Icmp {
    int saddr();
    int daddr();
}
