package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.net.ipv4.InetHashtables.EhashEntry;
import tcpsim.net.ipv4.TcpSock;
import tcpsim.net.ipv4.TcpState;

/** A full socket in ehash: its actor, and its state for lockless readers. */
public record SockEntry(ActorRef<SocketActor.Command> ref, TcpSock sk) implements EhashEntry {
    public TcpState state() {
        return sk.skState;
    }
}
