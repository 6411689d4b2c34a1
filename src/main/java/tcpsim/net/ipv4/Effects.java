package tcpsim.net.ipv4;

import java.util.ArrayList;
import java.util.List;
import tcpsim.net.Skb;
import tcpsim.runtime.TimerList;

/**
 * What a kernel function asks the lock holder to do, in order. Each net/ipv4 entry point makes its
 * own and returns it; the actor performs every effect, and nothing survives into another call.
 */
public final class Effects {
    public sealed interface Effect {}

    /** Put a segment on the wire (ip_queue_xmit / ip_build_and_send_pkt); counters are the caller's. */
    public record Emit(Skb skb) implements Effect {}

    /** mod_timer / inet_csk_reset_xmit_timer: (re)arm to an absolute virtual time. */
    public record ModTimer(TimerList timer, long expiresNanos, int generation) implements Effect {}

    /** del_timer / inet_csk_clear_xmit_timer. */
    public record DelTimer(TimerList timer) implements Effect {}

    /** sk->sk_prot->unhash: out of ehash, or out of lhash2 for a listener. */
    public record Unhash(FourTuple tuple) implements Effect {}

    /** net/ipv4/inet_hashtables.c: inet_put_port — leave the bind bucket of {@code port}. */
    public record PutPort(int port) implements Effect {}

    /** sk->sk_state_change: wake whoever sleeps on the state (connect(), poll()). */
    public record StateChange() implements Effect {}

    /** net/ipv4/inet_connection_sock.c: inet_csk_listen_stop — let go of every queued child. */
    public record ListenStop() implements Effect {}

    /** net/ipv4/inet_connection_sock.c: inet_csk_destroy_sock — the socket is freed. */
    public record Destroy() implements Effect {}

    /** net/ipv4/tcp_ipv4.c: tcp_v4_conn_request — a SYN for a listener. */
    public record ConnRequest(Skb skb) implements Effect {}

    /** net/ipv4/tcp_ipv4.c: tcp_v4_syn_recv_sock made {@code child}: it must win the ehash swap. */
    public record NewChild(TcpSock child) implements Effect {}

    /** net/ipv4/inet_connection_sock.c: inet_csk_reqsk_queue_drop_and_put — the request goes. */
    public record ReqskDrop() implements Effect {}

    /** A path of the kernel the model does not cover yet: said out loud, never a silent difference. */
    public record NotModelled(String what) implements Effect {}

    private static final StateChange STATE_CHANGE = new StateChange();
    private static final ListenStop LISTEN_STOP = new ListenStop();
    private static final Destroy DESTROY = new Destroy();
    private static final ReqskDrop REQSK_DROP = new ReqskDrop();

    /** Made on the first effect: most calls (a segment discarded, a timer that lost its race) ask for none. */
    private ArrayList<Effect> list;

    private void add(Effect e) {
        if (list == null) list = new ArrayList<>(4);
        list.add(e);
    }

    public Effects emit(Skb skb) {
        add(new Emit(skb));
        return this;
    }

    public Effects modTimer(TimerList t, long expiresNanos) {
        t.pending = true;
        t.detached = false;
        t.expires = expiresNanos;
        t.generation++;
        add(new ModTimer(t, expiresNanos, t.generation));
        return this;
    }

    public Effects delTimer(TimerList t) {
        if (!t.pending) return this;
        t.pending = false;
        t.generation++;
        add(new DelTimer(t));
        return this;
    }

    public Effects unhash(FourTuple tuple) {
        add(new Unhash(tuple));
        return this;
    }

    public Effects putPort(int port) {
        add(new PutPort(port));
        return this;
    }

    public Effects stateChange() {
        add(STATE_CHANGE);
        return this;
    }

    public Effects listenStop() {
        add(LISTEN_STOP);
        return this;
    }

    public Effects destroy() {
        add(DESTROY);
        return this;
    }

    public Effects connRequest(Skb skb) {
        add(new ConnRequest(skb));
        return this;
    }

    public Effects newChild(TcpSock child) {
        add(new NewChild(child));
        return this;
    }

    public Effects reqskDrop() {
        add(REQSK_DROP);
        return this;
    }

    public Effects notModelled(String what) {
        add(new NotModelled(what));
        return this;
    }

    public List<Effect> list() {
        return list == null ? List.of() : list;
    }

    /** Does the list ask for this kind of effect? */
    public boolean has(Class<? extends Effect> kind) {
        for (Effect e : list()) if (kind.isInstance(e)) return true;
        return false;
    }

    @Override
    public String toString() {
        return list().toString();
    }
}
