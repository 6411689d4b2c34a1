package tcpsim.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The run's trace: one line per delivered message, state transition and segment on the wire, each
 * stamped with virtual time. Same scenario and seed give the same bytes. {@link #OFF} costs one
 * branch per event.
 */
public final class Trace {
    public static final Trace OFF = new Trace(null, () -> 0);

    private final Appendable out;
    private final Clock clock;
    private final StringBuilder line = new StringBuilder(160);
    private long lines;

    private Trace(Appendable out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public static Trace to(Appendable out, Clock clock) {
        return new Trace(out, clock);
    }

    public boolean on() {
        return out != null;
    }

    public long lines() {
        return lines;
    }

    /** One line: time, kind, who, what. Synchronized for wild mode, where threads share the trace. */
    public synchronized void event(String kind, String who, String what) {
        if (out == null) return;
        line.setLength(0);
        appendTime(line, clock.nanos());
        line.append(' ').append(kind).append(' ').append(who).append(' ').append(what).append('\n');
        try {
            out.append(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lines++;
    }

    /** Seconds with microseconds, as packetdrill and tcpdump print them. */
    public static void appendTime(StringBuilder b, long nanos) {
        long us = nanos / 1000;
        String frac = Long.toString(us % 1_000_000);
        b.append(us / 1_000_000).append('.');
        for (int i = frac.length(); i < 6; i++) b.append('0');
        b.append(frac);
    }

    public static String time(long nanos) {
        StringBuilder b = new StringBuilder(16);
        appendTime(b, nanos);
        return b.toString();
    }
}
