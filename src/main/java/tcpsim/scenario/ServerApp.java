package tcpsim.scenario;

import java.util.OptionalLong;

/**
 * A server: socket(), setsockopt() for the reuse options, bind(), listen(backlog), then accept()
 * up to {@code accept} times.
 *
 * @param host            the host it runs on
 * @param startNanos      when it calls socket()
 * @param address         bind address, IPv4 host byte order; {@link #INADDR_ANY} or the host's own
 * @param port            bind port, 1..65535
 * @param backlog         the listen() argument as written; the kernel clamps it to somaxconn
 * @param reuseaddr       SO_REUSEADDR before bind()
 * @param reuseport       SO_REUSEPORT before bind()
 * @param accept          how many accept() calls to make: 0 never accepts, {@link #ACCEPT_ALL} keeps accepting
 * @param closeAfterNanos close() each accepted socket this long after accept() returns it; empty: never
 * @param closeListenerAtNanos close() the listening socket at this virtual time (another thread of the
 *                        process: an accept() may be blocked meanwhile); empty: not at a time
 * @param closeListenerAfterAccepts close() the listening socket once {@code accept} accept() calls returned
 */
public record ServerApp(String host, long startNanos, int address, int port, int backlog,
                        boolean reuseaddr, boolean reuseport, int accept, OptionalLong closeAfterNanos,
                        OptionalLong closeListenerAtNanos, boolean closeListenerAfterAccepts)
    implements AppSpec {

    /** A server that never closes its listener. */
    public ServerApp(String host, long startNanos, int address, int port, int backlog, boolean reuseaddr,
                     boolean reuseport, int accept, OptionalLong closeAfterNanos) {
        this(host, startNanos, address, port, backlog, reuseaddr, reuseport, accept, closeAfterNanos, OptionalLong.empty(), false);
    }

    /** {@code accept = all}: accept for the whole run. */
    public static final int ACCEPT_ALL = Integer.MAX_VALUE;

    /** The wildcard bind address, 0.0.0.0. */
    public static final int INADDR_ANY = 0;
}
