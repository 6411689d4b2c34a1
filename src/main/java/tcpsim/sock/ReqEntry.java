package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.RequestSock;
import tcpsim.net.ipv4.TcpState;

/**
 * A request sock in ehash (state NEW_SYN_RECV): the actor and the request it holds, so that an entry
 * of a request freed since never matches the actor's next one.
 */
public record ReqEntry(ActorRef<RequestSockActor.Command> ref, RequestSock req) implements EhashEntry {
    public TcpState state() {
        return TcpState.NEW_SYN_RECV;
    }
}
