package tcpsim.net.ipv4;

/** net/socket.c: the system-call layer above the protocol. */
public final class Socket {
    private Socket() {}

    /**
     * net/socket.c: __sys_listen (__sys_listen_socket in 6.12) — the backlog is clamped to
     * net.core.somaxconn, compared unsigned, so a negative backlog becomes somaxconn.
     */
    public static int sysListenBacklog(int backlog, int somaxconn) {
        return Integer.compareUnsigned(backlog, somaxconn) > 0 ? somaxconn : backlog;
    }
}
