package tcpsim.net.ipv4;

/** include/net/tcp_states.h: the states, with their numbers, as ss and /proc/net/tcp show them. */
public enum TcpState {
    ESTABLISHED(1), SYN_SENT(2), SYN_RECV(3), FIN_WAIT1(4), FIN_WAIT2(5), TIME_WAIT(6), CLOSE(7),
    CLOSE_WAIT(8), LAST_ACK(9), LISTEN(10), CLOSING(11), NEW_SYN_RECV(12);

    public final int number;

    TcpState(int number) {
        this.number = number;
    }

    /** The name ss -t prints (ESTAB, SYN-SENT, ...). */
    public String ssName() {
        return switch (this) {
            case ESTABLISHED -> "ESTAB";
            case SYN_SENT -> "SYN-SENT";
            case SYN_RECV, NEW_SYN_RECV -> "SYN-RECV";
            case FIN_WAIT1 -> "FIN-WAIT-1";
            case FIN_WAIT2 -> "FIN-WAIT-2";
            case TIME_WAIT -> "TIME-WAIT";
            case CLOSE -> "UNCONN";
            case CLOSE_WAIT -> "CLOSE-WAIT";
            case LAST_ACK -> "LAST-ACK";
            case LISTEN -> "LISTEN";
            case CLOSING -> "CLOSING";
        };
    }
}
