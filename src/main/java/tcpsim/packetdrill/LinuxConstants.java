package tcpsim.packetdrill;

import java.util.Map;

/**
 * Linux x86-64 values of the symbolic constants packetdrill scripts use. Both backends are Linux,
 * so the runner resolves names to these numbers once, and the backends see numbers only.
 */
public final class LinuxConstants {
    private LinuxConstants() {}

    public static final Map<String, Long> VALUES = Map.ofEntries(
        // socket families, types, protocols
        Map.entry("AF_UNSPEC", 0L), Map.entry("AF_INET", 2L), Map.entry("AF_INET6", 10L),
        Map.entry("PF_INET", 2L), Map.entry("PF_INET6", 10L),
        Map.entry("SOCK_STREAM", 1L), Map.entry("SOCK_DGRAM", 2L), Map.entry("SOCK_RAW", 3L),
        Map.entry("SOCK_NONBLOCK", 04000L), Map.entry("SOCK_CLOEXEC", 02000000L),
        Map.entry("IPPROTO_IP", 0L), Map.entry("IPPROTO_TCP", 6L), Map.entry("IPPROTO_UDP", 17L),
        Map.entry("IPPROTO_IPV6", 41L),
        // setsockopt levels and options
        Map.entry("SOL_SOCKET", 1L), Map.entry("SOL_TCP", 6L), Map.entry("SOL_IP", 0L), Map.entry("SOL_IPV6", 41L),
        Map.entry("SO_DEBUG", 1L), Map.entry("SO_REUSEADDR", 2L), Map.entry("SO_TYPE", 3L), Map.entry("SO_ERROR", 4L),
        Map.entry("SO_DONTROUTE", 5L), Map.entry("SO_BROADCAST", 6L), Map.entry("SO_SNDBUF", 7L),
        Map.entry("SO_RCVBUF", 8L), Map.entry("SO_KEEPALIVE", 9L), Map.entry("SO_OOBINLINE", 10L),
        Map.entry("SO_LINGER", 13L), Map.entry("SO_REUSEPORT", 15L), Map.entry("SO_RCVLOWAT", 18L),
        Map.entry("SO_SNDLOWAT", 19L), Map.entry("SO_RCVTIMEO", 20L), Map.entry("SO_SNDTIMEO", 21L),
        Map.entry("SO_TIMESTAMP", 29L), Map.entry("SO_ZEROCOPY", 60L), Map.entry("SO_MAX_PACING_RATE", 47L),
        Map.entry("TCP_NODELAY", 1L), Map.entry("TCP_MAXSEG", 2L), Map.entry("TCP_CORK", 3L),
        Map.entry("TCP_KEEPIDLE", 4L), Map.entry("TCP_KEEPINTVL", 5L), Map.entry("TCP_KEEPCNT", 6L),
        Map.entry("TCP_SYNCNT", 7L), Map.entry("TCP_LINGER2", 8L), Map.entry("TCP_DEFER_ACCEPT", 9L),
        Map.entry("TCP_WINDOW_CLAMP", 10L), Map.entry("TCP_INFO", 11L), Map.entry("TCP_QUICKACK", 12L),
        Map.entry("TCP_CONGESTION", 13L), Map.entry("TCP_MD5SIG", 14L), Map.entry("TCP_USER_TIMEOUT", 18L),
        Map.entry("TCP_REPAIR", 19L), Map.entry("TCP_FASTOPEN", 23L), Map.entry("TCP_TIMESTAMP", 24L),
        Map.entry("TCP_NOTSENT_LOWAT", 25L), Map.entry("TCP_FASTOPEN_CONNECT", 30L),
        Map.entry("TCP_FASTOPEN_KEY", 33L), Map.entry("TCP_FASTOPEN_NO_COOKIE", 34L),
        Map.entry("TCP_INQ", 36L), Map.entry("TCP_TX_DELAY", 37L),
        Map.entry("IP_TOS", 1L), Map.entry("IP_TTL", 2L), Map.entry("IP_RECVERR", 11L),
        Map.entry("IP_MTU_DISCOVER", 10L), Map.entry("IP_BIND_ADDRESS_NO_PORT", 24L),
        Map.entry("IP_LOCAL_PORT_RANGE", 51L), Map.entry("IPV6_RECVERR", 25L), Map.entry("IPV6_V6ONLY", 26L),
        // fcntl
        Map.entry("F_GETFD", 1L), Map.entry("F_SETFD", 2L), Map.entry("F_GETFL", 3L), Map.entry("F_SETFL", 4L),
        Map.entry("O_RDONLY", 0L), Map.entry("O_WRONLY", 1L), Map.entry("O_RDWR", 2L),
        Map.entry("O_NONBLOCK", 04000L), Map.entry("FD_CLOEXEC", 1L),
        // shutdown
        Map.entry("SHUT_RD", 0L), Map.entry("SHUT_WR", 1L), Map.entry("SHUT_RDWR", 2L),
        // send/recv flags
        Map.entry("MSG_OOB", 1L), Map.entry("MSG_PEEK", 2L), Map.entry("MSG_DONTROUTE", 4L),
        Map.entry("MSG_CTRUNC", 8L), Map.entry("MSG_TRUNC", 0x20L),
        Map.entry("MSG_DONTWAIT", 0x40L), Map.entry("MSG_EOR", 0x80L), Map.entry("MSG_WAITALL", 0x100L),
        Map.entry("MSG_NOSIGNAL", 0x4000L), Map.entry("MSG_MORE", 0x8000L), Map.entry("MSG_ERRQUEUE", 0x2000L),
        Map.entry("MSG_FASTOPEN", 0x20000000L), Map.entry("MSG_ZEROCOPY", 0x4000000L),
        // poll
        Map.entry("POLLIN", 0x001L), Map.entry("POLLPRI", 0x002L), Map.entry("POLLOUT", 0x004L),
        Map.entry("POLLERR", 0x008L), Map.entry("POLLHUP", 0x010L), Map.entry("POLLNVAL", 0x020L),
        Map.entry("POLLRDNORM", 0x040L), Map.entry("POLLRDBAND", 0x080L), Map.entry("POLLWRNORM", 0x100L),
        Map.entry("POLLWRBAND", 0x200L), Map.entry("POLLRDHUP", 0x2000L),
        // epoll
        Map.entry("EPOLL_CTL_ADD", 1L), Map.entry("EPOLL_CTL_DEL", 2L), Map.entry("EPOLL_CTL_MOD", 3L),
        Map.entry("EPOLLIN", 0x001L), Map.entry("EPOLLPRI", 0x002L), Map.entry("EPOLLOUT", 0x004L),
        Map.entry("EPOLLERR", 0x008L), Map.entry("EPOLLHUP", 0x010L), Map.entry("EPOLLRDHUP", 0x2000L),
        Map.entry("EPOLLET", 1L << 31), Map.entry("EPOLLONESHOT", 1L << 30), Map.entry("EPOLLEXCLUSIVE", 1L << 28),
        // ioctl
        Map.entry("SIOCINQ", 0x541BL), Map.entry("SIOCOUTQ", 0x5411L), Map.entry("FIONREAD", 0x541BL)
    );

    /** errno names to numbers (asm-generic/errno-base.h, errno.h). */
    public static final Map<String, Integer> ERRNO = Map.ofEntries(
        Map.entry("EPERM", 1), Map.entry("ENOENT", 2), Map.entry("EINTR", 4), Map.entry("EIO", 5),
        Map.entry("EBADF", 9), Map.entry("EAGAIN", 11), Map.entry("EWOULDBLOCK", 11), Map.entry("ENOMEM", 12),
        Map.entry("EACCES", 13), Map.entry("EFAULT", 14), Map.entry("EBUSY", 16), Map.entry("EEXIST", 17),
        Map.entry("EINVAL", 22), Map.entry("ENFILE", 23), Map.entry("EMFILE", 24), Map.entry("ENOSPC", 28),
        Map.entry("EPIPE", 32), Map.entry("ENOPROTOOPT", 92), Map.entry("EPROTONOSUPPORT", 93),
        Map.entry("EOPNOTSUPP", 95), Map.entry("EAFNOSUPPORT", 97), Map.entry("EADDRINUSE", 98),
        Map.entry("EADDRNOTAVAIL", 99), Map.entry("ENETDOWN", 100), Map.entry("ENETUNREACH", 101),
        Map.entry("ECONNABORTED", 103), Map.entry("ECONNRESET", 104), Map.entry("ENOBUFS", 105),
        Map.entry("EISCONN", 106), Map.entry("ENOTCONN", 107), Map.entry("ETIMEDOUT", 110),
        Map.entry("ECONNREFUSED", 111), Map.entry("EHOSTDOWN", 112), Map.entry("EHOSTUNREACH", 113),
        Map.entry("EALREADY", 114), Map.entry("EINPROGRESS", 115), Map.entry("ENOTSOCK", 88),
        Map.entry("EDESTADDRREQ", 89), Map.entry("EMSGSIZE", 90), Map.entry("EPROTOTYPE", 91),
        Map.entry("ERESTARTSYS", 512)
    );

    /** errno number to name (the first name wins for aliases such as EWOULDBLOCK). */
    public static String errnoName(int errno) {
        String best = null;
        for (Map.Entry<String, Integer> e : ERRNO.entrySet()) {
            if (e.getValue() == errno && (best == null || e.getKey().equals("EAGAIN"))) best = e.getKey();
        }
        return best != null ? best : "E" + errno;
    }
}
