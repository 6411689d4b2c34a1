package tcpsim.bench.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The runs of one {@link ReferenceMethod} and what a skeptical reader should be told about them.
 *
 * @param runs every run, in the order taken
 * @param extraRuns how many runs were added because the first runs of some method disagreed (every
 *        method gets as many more, in turns)
 */
public record MethodRuns(ReferenceMethod method, List<HandshakeRate> runs, int extraRuns) {
    /** Runs disagree when the fastest is more than this much above the slowest. */
    public static final double DISAGREEMENT = 0.30;
    /** Other processes taking more of the CPU than this share make a figure a measure of the load. */
    public static final double BUSY_MACHINE = 0.25;
    /** A method below this share of the fastest one is printed as far below it. */
    public static final double FAR_BELOW = 0.5;

    public MethodRuns {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs of " + method);
        runs = List.copyOf(runs);
    }

    /** Handshakes per second: the median run (the lower middle one of an even count). */
    public double perSecond() {
        return median().perSecond();
    }

    public HandshakeRate median() {
        List<HandshakeRate> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.perSecond(), b.perSecond()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** The median over runs of the process's CPU microseconds per handshake; NaN if never known. */
    public double cpuMicrosPerHandshake() {
        double[] us = runs.stream().mapToDouble(HandshakeRate::cpuMicrosPerHandshake).filter(d -> !Double.isNaN(d))
            .sorted().toArray();
        return us.length == 0 ? Double.NaN : us[(us.length - 1) / 2];
    }

    /** Fastest run over slowest, minus one: 0.30 is "30 % apart". */
    public double spread() {
        return spread(runs);
    }

    static double spread(List<HandshakeRate> runs) {
        double min = runs.stream().mapToDouble(HandshakeRate::perSecond).min().orElseThrow();
        double max = runs.stream().mapToDouble(HandshakeRate::perSecond).max().orElseThrow();
        return min <= 0 ? Double.POSITIVE_INFINITY : max / min - 1;
    }

    /** True when the runs disagree by more than {@link #DISAGREEMENT}: more are needed, or the figure is unsteady. */
    public static boolean disagree(List<HandshakeRate> runs) {
        return spread(runs) > DISAGREEMENT;
    }

    public long errors() {
        return runs.stream().mapToLong(HandshakeRate::errors).sum();
    }

    /**
     * Why this figure should not be trusted as it stands, empty if nothing is wrong that can be
     * seen: runs that still disagree after the extra runs, errors, SYNs dropped on a full accept
     * queue (each stalls a client for the 1 s retransmit), a busy machine, or a rate far below
     * the {@code fastest} method's.
     */
    public List<String> doubts(double fastest) {
        List<String> doubts = new ArrayList<>();
        if (disagree(runs)) {
            doubts.add(String.format("runs %.0f%% apart after %d runs", 100 * spread(), runs.size()));
        }
        if (errors() > 0) {
            doubts.add(errors() + " errors, first: " + runs.stream().flatMap(r -> r.firstError().stream())
                .findFirst().orElse("?"));
        }
        long overflows = runs.stream().mapToLong(HandshakeRate::listenOverflows).filter(n -> n > 0).sum();
        if (overflows > 0) doubts.add(overflows + " listen overflows");
        double other = median().otherCpuShare();
        if (other > BUSY_MACHINE) doubts.add(String.format("other processes took %.0f%% of the CPU", 100 * other));
        if (perSecond() < FAR_BELOW * fastest) {
            doubts.add(String.format("%.0f%% of the fastest method", 100 * perSecond() / fastest));
        }
        return doubts;
    }
}
