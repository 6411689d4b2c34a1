package tcpsim.net.ipv4;

import tcpsim.runtime.TimerList;

/**
 * struct tcp_sock (with its inet_connection_sock, inet_sock, sock and the struct socket state),
 * reduced to the fields the connection lifecycle uses. Owned by one socket actor: its mailbox is
 * lock_sock. Fields keep the kernel's names in camelCase.
 */
public final class TcpSock {
    /** include/linux/net.h: socket_state (the struct socket's, not the TCP state). */
    public enum SocketState { SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING }

    // sock / inet_sock
    public volatile TcpState skState = TcpState.CLOSE;
    public SocketState sockState = SocketState.SS_UNCONNECTED;
    public int inetSaddr;          // inet_saddr (= inet_rcv_saddr for IPv4 here)
    public int inetDaddr;
    public int inetNum;            // local port, 0 if unbound
    public int inetDport;
    public boolean skReuse;        // SO_REUSEADDR
    public boolean skReuseport;    // SO_REUSEPORT
    public boolean bindPortLock;   // SOCK_BINDPORT_LOCK: keep the port when going back to CLOSE
    public boolean nonblock;       // O_NONBLOCK on the file
    public Errno skErr;            // sk_err, reported once by sock_error()
    public boolean hashed;         // !sk_unhashed: in ehash, or in lhash2 for a listener
    public boolean icskBindHash;   // icsk_bind_hash != NULL: an owner of inet_num's bind bucket
    public volatile int skMaxAckBacklog;
    public Tcp.StateObserver observer;

    // inet_connection_sock
    public long icskRto;           // ns
    public int icskRetransmits;
    public int icskBackoff;
    public int icskSynRetries;     // TCP_SYNCNT; 0 = the sysctl
    public final TimerList retransmitTimer = new TimerList("ICSK_TIME_RETRANS");

    // tcp_sock
    public int writeSeq;
    public int sndUna;
    public int sndNxt;
    public int rcvNxt;
    public int rcvWup;
    public int sndWnd;
    public int sndWl1;
    public int rcvWnd;
    public int windowClamp;
    public int maxWindow;
    public int mssCache;
    public int advmss;
    public int totalRto;
    public long retransStamp;      // ms, tcp_time_stamp of the first SYN (for tcp_write_timeout)
    public int tsoffset;
    public int userMss;
    public final RxOpt rxOpt = new RxOpt();

    /** struct tcp_options_received. */
    public static final class RxOpt {
        public boolean tstampOk;
        public boolean sackOk;
        public boolean wscaleOk;
        public int sndWscale;
        public int rcvWscale;
        public int tsRecent;
        public int mssClamp;
    }

    public FourTuple tuple() {
        return FourTuple.of(inetSaddr, inetNum, inetDaddr, inetDport);
    }

    public String describe() {
        return tcpsim.net.Skb.ip(inetSaddr) + ":" + inetNum + " " + tcpsim.net.Skb.ip(inetDaddr) + ":" + inetDport;
    }
}
