package tcpsim.explore;

import java.util.Map;
import tcpsim.app.RunStats;
import tcpsim.host.NetNs;
import tcpsim.sock.ListenerEntry;

/**
 * What an invariant sees of a run: the namespaces (sockets, tables, counters), the applications'
 * outcomes, virtual time, and whether the run is at a quiescent point (no message waiting in any
 * mailbox: every lock released, only timers pending) or has ended.
 */
public interface RunView {
    /** The namespaces by host name, in scenario order. */
    Map<String, NetNs> hosts();

    RunStats stats();

    long nowNanos();

    /** Nothing is ready to run: no message in flight between actors. */
    boolean quiescent();

    /** The run has stopped (liveness checks run then). */
    boolean ended();

    /** Every listener seen in lhash2 during the run (at the steps checked), with its host's name. */
    Map<ListenerEntry, String> listenersSeen();

    /** Deliveries so far in this run. */
    long steps();
}
