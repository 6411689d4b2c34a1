package tcpsim.scenario;

/**
 * A wire between two hosts, the same both ways.
 *
 * @param a          one host's name
 * @param b          the other host's name
 * @param delayNanos one-way propagation delay
 * @param loss       probability 0..1 that a packet is dropped, drawn per packet from the run's seed
 */
public record LinkSpec(String a, String b, long delayNanos, double loss) {

    /** True if this link joins these two hosts, in either order. */
    public boolean joins(String x, String y) {
        return a.equals(x) && b.equals(y) || a.equals(y) && b.equals(x);
    }
}
