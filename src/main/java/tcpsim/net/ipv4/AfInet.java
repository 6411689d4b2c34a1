package tcpsim.net.ipv4;

/** net/ipv4/af_inet.c: the socket calls' checks and state on the struct socket side. */
public final class AfInet {
    private AfInet() {}

    /**
     * net/ipv4/af_inet.c: inet_listen — only an unconnected stream socket in CLOSE or LISTEN may listen;
     * a LISTEN socket only gets its backlog changed. Returns the errno, or null. The caller runs
     * inet_csk_listen_start when the socket was not already listening.
     */
    public static Errno inetListen(TcpSock sk, int backlog) {
        if (sk.sockState != TcpSock.SocketState.SS_UNCONNECTED) return Errno.EINVAL;
        if (sk.skState != TcpState.CLOSE && sk.skState != TcpState.LISTEN) return Errno.EINVAL;
        sk.skMaxAckBacklog = backlog;
        return null;
    }

    /** The first decision of __inet_stream_connect, before the protocol's connect runs. */
    public sealed interface StreamConnect {
        record Fail(Errno errno) implements StreamConnect {}
        /** SS_UNCONNECTED and CLOSE: call tcp_v4_connect. */
        record Start() implements StreamConnect {}
        /** SS_CONNECTING: wait (blocking) or EALREADY (non-blocking). */
        record AlreadyConnecting() implements StreamConnect {}
    }

    /**
     * net/ipv4/af_inet.c: __inet_stream_connect — the switch on sock->state: EISCONN when connected,
     * EALREADY while connecting, EISCONN for an unconnected socket whose TCP state is not CLOSE (e.g.
     * LISTEN), otherwise the protocol's connect.
     */
    public static StreamConnect inetStreamConnect(TcpSock sk) {
        return switch (sk.sockState) {
            case SS_CONNECTED -> new StreamConnect.Fail(Errno.EISCONN);
            case SS_CONNECTING -> new StreamConnect.AlreadyConnecting();
            case SS_UNCONNECTED -> sk.skState != TcpState.CLOSE
                ? new StreamConnect.Fail(Errno.EISCONN) : new StreamConnect.Start();
            case SS_DISCONNECTING -> new StreamConnect.Fail(Errno.EINVAL);
        };
    }

    /**
     * net/ipv4/af_inet.c: __inet_stream_connect, after the wait: CLOSE means the handshake failed
     * (sock_error: the pending sk_err, else ECONNABORTED) and the socket may connect() again;
     * otherwise it is connected.
     */
    public static Errno inetStreamConnectResult(TcpSock sk) {
        if (sk.skState == TcpState.CLOSE) {
            Errno e = sk.skErr != null ? sk.skErr : Errno.ECONNABORTED;
            sk.skErr = null;
            sk.sockState = TcpSock.SocketState.SS_UNCONNECTED;
            return e;
        }
        sk.sockState = TcpSock.SocketState.SS_CONNECTED;
        return null;
    }
}
