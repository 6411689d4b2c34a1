package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.host.NetNs;
import tcpsim.net.ipv4.Effects;
import tcpsim.runtime.TimerList;
import tcpsim.timer.TimerBaseActor;

/** The effects every lock holder performs the same way: segments to the wire, timers to the timer base. */
final class Perform {
    private Perform() {}

    /** Builds the owner's expiry message for a timer generation. */
    @FunctionalInterface
    interface Expiry<M> {
        M of(TimerList timer, int generation);
    }

    /**
     * Performs {@code e} if it is an Emit, ModTimer or DelTimer, and says whether it was: the
     * caller performs the rest, which depend on what it is.
     */
    static <M> boolean common(NetNs ns, Effects.Effect e, ActorRef<M> self, Expiry<M> expiry) {
        if (e instanceof Effects.Emit emit) {
            ns.xmit(emit.skb());
        } else if (e instanceof Effects.ModTimer mod) {
            ns.timerBase().tell(new TimerBaseActor.ModTimer<>(mod.timer(), mod.expiresNanos(), self,
                expiry.of(mod.timer(), mod.generation())));
        } else if (e instanceof Effects.DelTimer del) {
            ns.timerBase().tell(new TimerBaseActor.DelTimer(del.timer()));
        } else {
            return false;
        }
        return true;
    }

    /** A path the kernel has and the model does not: a trace note the packetdrill backend reports. */
    static void notModelled(NetNs ns, String path, Effects.NotModelled n) {
        if (ns.net.trace.on()) ns.net.trace.event("note", path, "not modelled: " + n.what());
    }

    /** An effect this lock holder never gets: a kernel function asked the wrong actor. */
    static IllegalStateException misplaced(Effects.Effect e, String who) {
        return new IllegalStateException(e + " is not for a " + who);
    }
}
