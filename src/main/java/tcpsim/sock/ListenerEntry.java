package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.net.ipv4.InetHashtables.LhashEntry;
import tcpsim.net.ipv4.RequestSockQueue;
import tcpsim.net.ipv4.TcpSock;

/**
 * A listener as the lockless receive path sees it (lhash2 + icsk_accept_queue): its sock (read with
 * READ_ONCE semantics), its queue counters, the actor holding its lock_sock, and the actor holding
 * its accept FIFO (rskq_lock).
 */
public record ListenerEntry(TcpSock sk, RequestSockQueue queue, ActorRef<SocketActor.Command> listener,
                            ActorRef<RequestSockQueueActor.Command> queueActor, int synackRetries)
    implements LhashEntry {}
