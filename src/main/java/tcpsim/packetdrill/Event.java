package tcpsim.packetdrill;

/** One timed line of a script: when, what, and the line its timestamp is on. */
public record Event(int line, EventTime time, Action action) {}
