package tcpsim.net.ipv4;

import java.util.ArrayList;
import java.util.List;
import tcpsim.net.Skb;
import tcpsim.runtime.TimerList;

/**
 * What a kernel function asks its caller to do: the logic fills this, the actor (the lock holder)
 * performs it. Reused per actor: cleared before each call.
 */
public final class Effects {
    public sealed interface Effect {}

    /** Put a segment on the wire (ip_queue_xmit / ip_build_and_send_pkt). */
    public record Emit(Skb skb) implements Effect {}

    /** mod_timer / inet_csk_reset_xmit_timer: (re)arm to an absolute virtual time. */
    public record ModTimer(TimerList timer, long expiresNanos, int generation) implements Effect {}

    /** del_timer / inet_csk_clear_xmit_timer. */
    public record DelTimer(TimerList timer) implements Effect {}

    private final ArrayList<Effect> list = new ArrayList<>(4);

    public void emit(Skb skb) { list.add(new Emit(skb)); }

    public void modTimer(TimerList t, long expiresNanos) {
        t.pending = true;
        t.expires = expiresNanos;
        t.generation++;
        list.add(new ModTimer(t, expiresNanos, t.generation));
    }

    public void delTimer(TimerList t) {
        if (!t.pending) return;
        t.pending = false;
        t.generation++;
        list.add(new DelTimer(t));
    }

    public List<Effect> list() { return list; }

    public void clear() { list.clear(); }

}
