package tcpsim.net.ipv4;

import tcpsim.net.Mib;
import tcpsim.net.Mib.Counter;

/** net/ipv4/tcp.c: state changes and the end of a socket's life. */
public final class Tcp {
    private Tcp() {}

    /** Told of every transition (the owning actor writes the trace line). */
    @FunctionalInterface
    public interface StateObserver {
        void changed(TcpSock sk, TcpState from, TcpState to);
    }

    /**
     * net/ipv4/tcp.c: tcp_set_state — every transition passes here; it moves TcpCurrEstab and, on a
     * reset out of ESTABLISHED or CLOSE_WAIT, TcpEstabResets.
     */
    public static void tcpSetState(TcpSock sk, TcpState state, Mib mib) {
        TcpState old = sk.skState;
        if (old == state) return;
        if (state == TcpState.ESTABLISHED) {
            mib.inc(Counter.TcpCurrEstab);
        } else if (old == TcpState.ESTABLISHED) {
            mib.add(Counter.TcpCurrEstab, -1);
        }
        if (state == TcpState.CLOSE && (old == TcpState.ESTABLISHED || old == TcpState.CLOSE_WAIT)) {
            mib.inc(Counter.TcpEstabResets);
        }
        sk.skState = state;
        if (sk.observer != null) sk.observer.changed(sk, old, state);
    }

    /**
     * net/ipv4/tcp.c: tcp_done — a failed or reset connection goes to CLOSE; a connect() that had not
     * finished counts as a failed attempt. The caller unhashes it and wakes its waiters.
     */
    public static void tcpDone(TcpSock sk, Mib mib) {
        if (sk.skState == TcpState.SYN_SENT || sk.skState == TcpState.SYN_RECV) mib.inc(Counter.TcpAttemptFails);
        tcpSetState(sk, TcpState.CLOSE, mib);
    }
}
