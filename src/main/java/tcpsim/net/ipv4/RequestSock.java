package tcpsim.net.ipv4;

import tcpsim.runtime.TimerList;

/**
 * struct request_sock / tcp_request_sock: the mini socket a SYN creates (state NEW_SYN_RECV), kept in
 * ehash and counted by its listener. Owned by its request actor.
 */
public final class RequestSock {
    public final FourTuple tuple;  // local = the listener's address and port
    public int sntIsn;             // our ISN
    public int rcvIsn;             // the peer's ISN
    public int mss;                // the peer's MSS clamp (rx_opt.mss_clamp)
    public boolean tstampOk;
    public boolean sackOk;
    public boolean wscaleOk;
    public int sndWscale;          // the peer's shift
    public int rcvWscale;          // ours
    public int rcvWnd;
    public int windowClamp;
    public int tsRecent;
    public int tsOff;
    public int numTimeout;
    public int numRetrans;
    public long timeout;           // ns, req->timeout
    public final TimerList rskTimer = new TimerList("REQSK_SYNACK");

    public RequestSock(FourTuple tuple) {
        this.tuple = tuple;
    }
}
