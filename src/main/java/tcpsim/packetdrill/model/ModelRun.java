package tcpsim.packetdrill.model;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.util.function.Consumer;
import tcpsim.host.HostActor;
import tcpsim.host.NetNs;
import tcpsim.link.LinkActor;
import tcpsim.net.Packet;
import tcpsim.net.ipv4.Tcp;
import tcpsim.sock.SocketActor;

/**
 * The root of one script's run (/user/run): the host under test, the scripted peer at the other
 * end of its route to the remote address, and an inbox per system call for its reply. Everything
 * it observes goes to a {@link Sink}, on the simulation's driver thread.
 */
final class ModelRun {
    private ModelRun() {}

    sealed interface Command {}

    /** Make a call: {@code send} tells the host or a socket, with a fresh inbox for the reply. */
    record Call(int callId, Consumer<ActorRef<SocketActor.Reply>> send) implements Command {}

    /** getsockopt(TCP_INFO): ask the socket, and hand its answer to {@code answer}. */
    record GetInfo(ActorRef<SocketActor.Command> sock, Consumer<Tcp.TcpInfo> answer) implements Command {}

    /** What the backend learns from the run. */
    interface Sink {
        /** The host handed a packet to its route toward the scripted peer. */
        void transmitted(Packet packet);

        /** A call's reply reached its inbox. */
        void replied(int callId, SocketActor.Reply reply);
    }

    static Behavior<Command> create(NetNs ns, int remoteIp, Sink sink) {
        return Behaviors.setup(ctx -> {
            ctx.spawn(HostActor.create(ns), "host");
            ns.route(remoteIp, ctx.spawn(peer(sink), "peer"));
            return Behaviors.receive(Command.class)
                .onMessage(Call.class, c -> {
                    c.send().accept(ctx.spawnAnonymous(inbox(c.callId(), sink)));
                    return Behaviors.same();
                })
                .onMessage(GetInfo.class, g -> {
                    g.sock().tell(new SocketActor.GetInfo(ctx.spawnAnonymous(Behaviors.receive(Tcp.TcpInfo.class)
                        .onMessage(Tcp.TcpInfo.class, info -> {
                            g.answer().accept(info);
                            return Behaviors.stopped();
                        })
                        .build())));
                    return Behaviors.same();
                })
                .build();
        });
    }

    /**
     * The scripted peer's side of the wire: whatever the host transmits toward the remote address
     * is observed at once (the script's packets need no link delay; packetdrill sees them as
     * they leave the host's device).
     */
    private static Behavior<LinkActor.Command> peer(Sink sink) {
        return Behaviors.receive(LinkActor.Command.class)
            .onMessage(LinkActor.Transmit.class, t -> {
                sink.transmitted(t.packet());
                return Behaviors.same();
            })
            .build();
    }

    private static Behavior<SocketActor.Reply> inbox(int callId, Sink sink) {
        return Behaviors.receive(SocketActor.Reply.class)
            .onMessage(SocketActor.Reply.class, r -> {
                sink.replied(callId, r);
                return Behaviors.stopped();
            })
            .build();
    }
}
