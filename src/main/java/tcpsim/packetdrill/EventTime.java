package tcpsim.packetdrill;

/** When an event should happen, in microseconds, as parser.y's {@code event_time} rule reads it. */
public sealed interface EventTime {
    /** {@code 0.100}: seconds from the start of the script. */
    record Absolute(long usecs) implements EventTime {}

    /** {@code +.01}: after the previous event. */
    record Relative(long usecs) implements EventTime {}

    /** {@code 0.1~0.2}: anywhere in an absolute window (outbound packets only). */
    record AbsoluteRange(long startUsecs, long endUsecs) implements EventTime {}

    /** {@code +.3~+.400}: anywhere in a window after the previous event (outbound packets only). */
    record RelativeRange(long startUsecs, long endUsecs) implements EventTime {}

    /** {@code *}: whenever it comes (outbound packets only). */
    record AnyTime() implements EventTime {}
}
