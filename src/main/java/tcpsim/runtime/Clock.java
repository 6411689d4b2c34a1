package tcpsim.runtime;

/**
 * The simulation's one clock, in nanoseconds since the run started. Model code reads time only
 * through this: in deterministic mode it is the virtual scheduler; in wild mode the runtime's
 * monotonic clock.
 */
@FunctionalInterface
public interface Clock {
    long nanos();
}
