package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.TcpState;

/** A request sock in ehash (state NEW_SYN_RECV). */
public record ReqEntry(ActorRef<RequestSockActor.Command> ref) implements EhashEntry {
    public TcpState state() {
        return TcpState.NEW_SYN_RECV;
    }
}
