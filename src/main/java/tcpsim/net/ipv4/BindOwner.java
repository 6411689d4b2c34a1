package tcpsim.net.ipv4;

/**
 * What a bind bucket keeps of one owner socket (its sk_bind_node): the address and reuse flags,
 * and whether it listens, as the owner gave them when it asked for the port. {@code sk} only says
 * which socket this is (TcpSock keeps Object's identity equality): the bucket never reads the socket
 * itself, which belongs to another lock.
 */
public record BindOwner(TcpSock sk, int addr, boolean reuse, boolean reuseport, boolean listen) {
    /** The owner as {@code sk} stands now. */
    public static BindOwner of(TcpSock sk, boolean listen) {
        return new BindOwner(sk, sk.inetSaddr, sk.skReuse, sk.skReuseport, listen);
    }

    public boolean same(BindOwner o) {
        return sk == o.sk;
    }

    @Override
    public String toString() {
        return "BindOwner[" + Integer.toHexString(addr) + (reuse ? " reuse" : "") + (reuseport ? " reuseport" : "")
            + (listen ? " listen" : "") + "]";
    }
}
