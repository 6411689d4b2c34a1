package tcpsim.hash;

/**
 * What a bind bucket knows of one owner socket (sk_bind_node): its address and reuse flags, and
 * whether it listens. Compared by identity: one per socket.
 */
public final class BindOwner {
    public final int addr;
    public final boolean reuse;
    public final boolean reuseport;
    volatile boolean listen;

    public BindOwner(int addr, boolean reuse, boolean reuseport) {
        this.addr = addr;
        this.reuse = reuse;
        this.reuseport = reuseport;
    }
}
