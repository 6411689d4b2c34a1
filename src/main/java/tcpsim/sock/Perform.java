package tcpsim.sock;

import akka.actor.typed.ActorRef;
import tcpsim.host.NetNs;
import tcpsim.net.ipv4.Effects;
import tcpsim.timer.TimerBaseActor;
import tcpsim.runtime.TimerList;

/** Carries out what the kernel logic asked for, on behalf of the actor that holds the lock. */
final class Perform {
    private Perform() {}

    /**
     * The effects list a kernel call fills: used and emptied within one message, so one per thread
     * serves every actor (an idle socket then carries none).
     */
    private static final ThreadLocal<Effects> FX = ThreadLocal.withInitial(Effects::new);

    static Effects fx() {
        return FX.get();
    }

    /** Builds the owner's expiry message for a timer generation. */
    @FunctionalInterface
    interface Expiry<M> {
        M of(TimerList timer, int generation);
    }

    static <M> void effects(NetNs ns, ActorRef<M> self, Expiry<M> expiry) {
        Effects fx = FX.get();
        for (Effects.Effect e : fx.list()) {
            if (e instanceof Effects.Emit emit) {
                ns.xmit(emit.skb());
            } else if (e instanceof Effects.ModTimer mod) {
                ns.timerBase().tell(new TimerBaseActor.ModTimer<>(mod.timer(), mod.expiresNanos(), self,
                    expiry.of(mod.timer(), mod.generation())));
            } else if (e instanceof Effects.DelTimer del) {
                ns.timerBase().tell(new TimerBaseActor.DelTimer(del.timer()));
            }
        }
        fx.clear();
    }
}
