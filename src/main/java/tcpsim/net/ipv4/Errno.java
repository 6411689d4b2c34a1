package tcpsim.net.ipv4;

/** The errnos the modelled calls return, by their names and Linux numbers. */
public enum Errno {
    EPERM(1), EINTR(4), EBADF(9), EAGAIN(11), EACCES(13), EINVAL(22), EPIPE(32), EOPNOTSUPP(95),
    EAFNOSUPPORT(97), EADDRINUSE(98), EADDRNOTAVAIL(99), ENETUNREACH(101), ECONNABORTED(103),
    ECONNRESET(104), EISCONN(106), ENOTCONN(107), ETIMEDOUT(110), ECONNREFUSED(111),
    EHOSTUNREACH(113), EALREADY(114), EINPROGRESS(115);

    public final int number;

    Errno(int number) {
        this.number = number;
    }
}
