package tcpsim.scenario;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * {@code count} clients, one socket each: socket(), setsockopt() for the reuse options, bind() if
 * asked, connect(target:port). The first starts at {@code startNanos}, the next {@code everyNanos}
 * later, and so on.
 *
 * @param host            the host they run on
 * @param startNanos      when the first calls socket()
 * @param target          the name of the host they connect to
 * @param port            the port they connect to, 1..65535
 * @param count           how many sockets, at least 1
 * @param everyNanos      time between successive clients' socket() calls
 * @param bindPort        bind() to this port before connect(); 0 lets bind() choose (inet_csk_get_port,
 *                        not connect()'s own choice); empty: no bind(), connect() picks the port
 * @param reuseaddr       SO_REUSEADDR before bind()/connect()
 * @param reuseport       SO_REUSEPORT before bind()/connect()
 * @param closeAfterNanos close() this long after connect() succeeds; empty: never
 */
public record ClientApp(String host, long startNanos, String target, int port, int count, long everyNanos,
                        OptionalInt bindPort, boolean reuseaddr, boolean reuseport, OptionalLong closeAfterNanos)
    implements AppSpec {
}
