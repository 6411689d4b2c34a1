package tcpsim.app;

import akka.actor.typed.ActorRef;
import tcpsim.net.ipv4.Errno;
import tcpsim.sock.SocketActor;

/**
 * The return of a system call: {@code ret} (-1 on failure) and the errno, plus the socket a call
 * produced (socket(), accept()).
 */
public record SysReply(String call, int ret, Errno errno, ActorRef<SocketActor.Command> sock)
    implements ServerAppActor.Command, ClientAppActor.Command {

    public static SysReply ok(String call) {
        return new SysReply(call, 0, null, null);
    }

    public static SysReply ok(String call, ActorRef<SocketActor.Command> sock) {
        return new SysReply(call, 0, null, sock);
    }

    public static SysReply error(String call, Errno errno) {
        return new SysReply(call, -1, errno, null);
    }

    public boolean failed() {
        return errno != null;
    }
}
