package tcpsim.net.wire;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import tcpsim.net.Icmp;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;

/**
 * The wire format of the model's packets: IPv4 datagrams carrying a TCP segment or an ICMP error
 * that quotes one. Encoding writes real headers with correct checksums and a zero-filled payload of
 * {@link Skb#len()} bytes; decoding reads {@code len} back from the IP total length.
 *
 * <p>IPv4 fields are the ones Linux writes for TCP: TTL 64 ({@code net.ipv4.ip_default_ttl}), DF
 * set (path MTU discovery is on by default), no IP options. The IP ID is the caller's: Linux uses 0
 * for DF packets of unconnected sockets (a listener's SYN-ACK, a RST) and a per-socket counter
 * otherwise ({@code ip_select_ident_segs}), which the codec cannot know.
 */
public final class Wire {
    private Wire() {}

    public static final int IPPROTO_ICMP = 1, IPPROTO_TCP = 6;
    public static final int IP_HEADER_LEN = 20, TCP_HEADER_LEN = 20, ICMP_HEADER_LEN = 8;
    public static final int MAX_DATAGRAM = 65535;
    /** net.ipv4.ip_default_ttl */
    public static final int DEFAULT_TTL = 64;
    /** include/uapi/linux/ip.h: IPTOS_PREC_INTERNETCONTROL, the TOS of ICMP errors (icmp_send). */
    public static final int TOS_INTERNETCONTROL = 0xc0;
    private static final int IP_DF = 0x4000, IP_MF = 0x2000, IP_OFFSET = 0x1fff;
    private static final HexFormat HEX = HexFormat.of();

    // ---- encoding ----

    /** The datagram with IP ID 0, what Linux sends for DF packets of an unconnected socket. */
    public static byte[] encode(Packet p) {
        return encode(p, 0);
    }

    public static byte[] encode(Packet p, int ipId) {
        if (p instanceof Skb s) return encodeTcp(s, ipId);
        if (p instanceof Icmp m) return encodeIcmp(m, ipId);
        throw new IllegalArgumentException("unknown packet type " + p.getClass().getName());
    }

    private static byte[] encodeTcp(Skb s, int ipId) {
        int hdr = s.headerLength();
        int total = IP_HEADER_LEN + hdr + s.len();
        if (s.len() < 0 || total > MAX_DATAGRAM) {
            throw new IllegalArgumentException("TCP payload of " + s.len() + " bytes does not fit an IPv4 datagram");
        }
        byte[] b = new byte[total];
        writeIpHeader(b, 0, s.tos(), total, ipId, IP_DF, IPPROTO_TCP, s.saddr(), s.daddr());
        writeTcpHeader(b, IP_HEADER_LEN, s);
        put16(b, IP_HEADER_LEN + 16, InternetChecksum.tcp(s.saddr(), s.daddr(), b, IP_HEADER_LEN, hdr + s.len()));
        return b;
    }

    /**
     * An ICMP error quoting the whole TCP header of the segment it is about (tcp_v4_err needs only
     * the first 8 bytes; Linux's own icmp_send quotes more). The quoted IP total length counts the
     * segment's payload, which is not included, as in any ICMP error quoting a large packet.
     */
    private static byte[] encodeIcmp(Icmp m, int ipId) {
        Skb q = m.quoted();
        int qhdr = q.headerLength();
        int icmpLen = ICMP_HEADER_LEN + IP_HEADER_LEN + qhdr;
        int total = IP_HEADER_LEN + icmpLen;
        byte[] b = new byte[total];
        writeIpHeader(b, 0, TOS_INTERNETCONTROL, total, ipId, 0, IPPROTO_ICMP, m.saddr(), m.daddr());
        int icmp = IP_HEADER_LEN;
        b[icmp] = (byte) m.type();
        b[icmp + 1] = (byte) m.code();
        put16(b, icmp + 6, m.mtu()); // next-hop MTU for FRAG_NEEDED (RFC 1191); zero otherwise
        int qip = icmp + ICMP_HEADER_LEN;
        writeIpHeader(b, qip, q.tos(), IP_HEADER_LEN + qhdr + q.len(), 0, IP_DF, IPPROTO_TCP, q.saddr(), q.daddr());
        int qtcp = qip + IP_HEADER_LEN;
        writeTcpHeader(b, qtcp, q);
        // The quoted segment's own checksum, as it was on the wire: the zero payload adds nothing.
        long sum = InternetChecksum.pseudoHeader(q.saddr(), q.daddr(), IPPROTO_TCP, qhdr + q.len());
        put16(b, qtcp + 16, InternetChecksum.fold(InternetChecksum.add(sum, b, qtcp, qhdr)));
        put16(b, icmp + 2, InternetChecksum.of(b, icmp, icmpLen));
        return b;
    }

    private static void writeIpHeader(byte[] b, int off, int tos, int total, int id, int frag, int proto,
                                      int saddr, int daddr) {
        b[off] = 0x45;
        b[off + 1] = (byte) tos;
        put16(b, off + 2, total);
        put16(b, off + 4, id);
        put16(b, off + 6, frag);
        b[off + 8] = (byte) DEFAULT_TTL;
        b[off + 9] = (byte) proto;
        put32(b, off + 12, saddr);
        put32(b, off + 16, daddr);
        put16(b, off + 10, InternetChecksum.of(b, off, IP_HEADER_LEN));
    }

    /** Header and options, checksum left zero. Flags may include the AE bit (0x100) of RFC 3540/AccECN. */
    private static void writeTcpHeader(byte[] b, int off, Skb s) {
        int hdr = s.headerLength();
        if (hdr > 60) throw new IllegalArgumentException("TCP options take " + (hdr - 20) + " bytes, more than 40");
        check16("source port", s.sport());
        check16("destination port", s.dport());
        check16("window", s.window());
        if ((s.flags() & ~0x1ff) != 0) throw new IllegalArgumentException("TCP flags 0x" + Integer.toHexString(s.flags()));
        put16(b, off, s.sport());
        put16(b, off + 2, s.dport());
        put32(b, off + 4, s.seq());
        put32(b, off + 8, s.ackSeq());
        b[off + 12] = (byte) ((hdr / 4) << 4 | (s.flags() >> 8 & 1));
        b[off + 13] = (byte) s.flags();
        put16(b, off + 14, s.window());
        int p = off + TCP_HEADER_LEN;
        for (TcpOption o : s.options()) p = writeOption(b, p, o);
        // The rest up to the 4-byte boundary stays zero: EOL padding.
    }

    private static int writeOption(byte[] b, int p, TcpOption o) {
        if (o instanceof TcpOption.Eol) {
            b[p] = TcpOption.KIND_EOL;
            return p + 1;
        }
        if (o instanceof TcpOption.Nop) {
            b[p] = TcpOption.KIND_NOP;
            return p + 1;
        }
        b[p] = (byte) o.kind();
        b[p + 1] = (byte) o.length();
        int d = p + 2;
        if (o instanceof TcpOption.Mss m) {
            check16("mss", m.mss());
            put16(b, d, m.mss());
        } else if (o instanceof TcpOption.WindowScale w) {
            b[d] = (byte) w.shift();
        } else if (o instanceof TcpOption.Sack s) {
            for (TcpOption.SackBlock blk : s.blocks()) {
                put32(b, d, blk.start());
                put32(b, d + 4, blk.end());
                d += 8;
            }
        } else if (o instanceof TcpOption.Timestamp t) {
            put32(b, d, t.val());
            put32(b, d + 4, t.ecr());
        } else if (o instanceof TcpOption.FastOpen f) {
            putHex(b, d, f.cookieHex());
        } else if (o instanceof TcpOption.FastOpenExp f) {
            put16(b, d, TcpOption.FASTOPEN_MAGIC);
            putHex(b, d + 2, f.cookieHex());
        } else if (o instanceof TcpOption.Unknown u) {
            putHex(b, d, u.dataHex());
        }
        if (o.length() > 255) throw new IllegalArgumentException("TCP option " + o + " longer than 255 bytes");
        return p + o.length();
    }

    // ---- decoding ----

    /** See {@link #decode(byte[], int, int)}. */
    public static Packet decode(byte[] datagram) {
        return decode(datagram, 0, datagram.length);
    }

    /**
     * Decodes an IPv4 datagram into an {@link Skb} or, for an ICMP message quoting a TCP segment, an
     * {@link Icmp}. Returns null for anything else (IPv6, UDP, ICMP echo, IP fragments). Bytes past
     * the IP total length are ignored. Checksums are not checked: a kernel with checksum offload
     * hands out packets whose TCP checksum covers only the pseudo-header ({@link #checksumsValid}).
     *
     * @throws IllegalArgumentException when the bytes claim to be IPv4 TCP/ICMP but are truncated or inconsistent
     */
    public static Packet decode(byte[] b, int off, int length) {
        if (length < 1 || (b[off] & 0xff) >> 4 != 4) return null;
        int ihl = (b[off] & 0x0f) * 4;
        if (ihl < IP_HEADER_LEN || length < ihl) throw new IllegalArgumentException("truncated IPv4 header");
        int total = u16(b, off + 2);
        if (total < ihl || total > length) {
            throw new IllegalArgumentException("IPv4 total length " + total + " but " + length + " bytes captured");
        }
        int frag = u16(b, off + 6);
        if ((frag & (IP_MF | IP_OFFSET)) != 0) return null;
        int tos = b[off + 1] & 0xff, proto = b[off + 9] & 0xff;
        int saddr = i32(b, off + 12), daddr = i32(b, off + 16);
        if (proto == IPPROTO_TCP) return decodeTcp(b, off + ihl, total - ihl, total - ihl, saddr, daddr, tos);
        if (proto == IPPROTO_ICMP) return decodeIcmp(b, off + ihl, total - ihl, saddr, daddr);
        return null;
    }

    /**
     * A TCP header at {@code off} with {@code avail} bytes present out of a segment of {@code segLen}
     * bytes (they differ for the quoted segment of an ICMP error).
     */
    private static Skb decodeTcp(byte[] b, int off, int avail, int segLen, int saddr, int daddr, int tos) {
        if (avail < TCP_HEADER_LEN) throw new IllegalArgumentException("truncated TCP header: " + avail + " bytes");
        int doff = ((b[off + 12] & 0xff) >> 4) * 4;
        if (doff < TCP_HEADER_LEN || doff > avail || doff > segLen) {
            throw new IllegalArgumentException("TCP data offset " + doff + " in a " + avail + "-byte header");
        }
        int flags = (b[off + 12] & 1) << 8 | (b[off + 13] & 0xff);
        List<TcpOption> options = decodeOptions(b, off + TCP_HEADER_LEN, doff - TCP_HEADER_LEN);
        return new Skb(saddr, daddr, u16(b, off), u16(b, off + 2), i32(b, off + 4), i32(b, off + 8), flags,
            u16(b, off + 14), options, segLen - doff, tos);
    }

    /** Only error messages quote a datagram: unreachable, source quench, redirect, time exceeded, parameter problem. */
    private static Icmp decodeIcmp(byte[] b, int off, int len, int saddr, int daddr) {
        if (len < ICMP_HEADER_LEN + IP_HEADER_LEN + 8) return null; // no room for a quoted TCP header
        int type = b[off] & 0xff;
        if (type != 3 && type != 4 && type != 5 && type != 11 && type != 12) return null;
        int q = off + ICMP_HEADER_LEN, qavail = len - ICMP_HEADER_LEN;
        if ((b[q] & 0xff) >> 4 != 4 || (b[q + 9] & 0xff) != IPPROTO_TCP) return null;
        int qihl = (b[q] & 0x0f) * 4;
        if (qihl < IP_HEADER_LEN || qavail < qihl + 8) throw new IllegalArgumentException("truncated quoted IPv4 header");
        int qtotal = u16(b, q + 2);
        int qtos = b[q + 1] & 0xff, qsaddr = i32(b, q + 12), qdaddr = i32(b, q + 16);
        int t = q + qihl, tavail = qavail - qihl;
        Skb quoted;
        int doff = tavail >= TCP_HEADER_LEN ? ((b[t + 12] & 0xff) >> 4) * 4 : 0;
        if (doff >= TCP_HEADER_LEN && doff <= tavail) {
            quoted = decodeTcp(b, t, tavail, Math.max(qtotal - qihl, doff), qsaddr, qdaddr, qtos);
        } else {
            // Only the 8 bytes RFC 792 guarantees: ports and sequence number.
            quoted = new Skb(qsaddr, qdaddr, u16(b, t), u16(b, t + 2), i32(b, t + 4), 0, 0, 0, List.of(),
                Math.max(0, qtotal - qihl - TCP_HEADER_LEN), qtos);
        }
        return new Icmp(saddr, daddr, type, b[off + 1] & 0xff, u16(b, off + 6), quoted);
    }

    /**
     * Options in wire order. An option of a known kind with an unexpected length is kept as
     * {@link TcpOption.Unknown} so that nothing is lost; kind 254 without the TFO magic likewise.
     * Zero bytes that only pad the header to a 4-byte boundary are padding, not an {@code eol}.
     */
    static List<TcpOption> decodeOptions(byte[] b, int off, int n) {
        List<TcpOption> out = new ArrayList<>();
        int i = 0;
        while (i < n) {
            int kind = b[off + i] & 0xff;
            if (kind == TcpOption.KIND_EOL) {
                if (!isPadding(b, off + i, n - i)) out.add(new TcpOption.Eol());
                break; // tcp_parse_options stops at EOL
            }
            if (kind == TcpOption.KIND_NOP) {
                out.add(new TcpOption.Nop());
                i++;
                continue;
            }
            if (i + 1 >= n) throw new IllegalArgumentException("TCP option kind " + kind + " has no length byte");
            int olen = b[off + i + 1] & 0xff;
            if (olen < 2 || i + olen > n) {
                throw new IllegalArgumentException("TCP option kind " + kind + " length " + olen + " overruns the header");
            }
            out.add(decodeOption(b, off + i, kind, olen));
            i += olen;
        }
        return out;
    }

    private static boolean isPadding(byte[] b, int at, int rest) {
        if (rest > 3) return false;
        for (int k = 0; k < rest; k++) if (b[at + k] != 0) return false;
        return true;
    }

    private static TcpOption decodeOption(byte[] b, int p, int kind, int olen) {
        int d = p + 2, dlen = olen - 2;
        switch (kind) {
            case TcpOption.KIND_MSS:
                if (olen == 4) return new TcpOption.Mss(u16(b, d));
                break;
            case TcpOption.KIND_WSCALE:
                if (olen == 3) return new TcpOption.WindowScale(b[d] & 0xff);
                break;
            case TcpOption.KIND_SACK_PERM:
                if (olen == 2) return new TcpOption.SackPermitted();
                break;
            case TcpOption.KIND_SACK:
                if (dlen % 8 == 0) {
                    List<TcpOption.SackBlock> blocks = new ArrayList<>();
                    for (int k = d; k < d + dlen; k += 8) blocks.add(new TcpOption.SackBlock(i32(b, k), i32(b, k + 4)));
                    return new TcpOption.Sack(blocks);
                }
                break;
            case TcpOption.KIND_TIMESTAMP:
                if (olen == 10) return new TcpOption.Timestamp(i32(b, d), i32(b, d + 4));
                break;
            case TcpOption.KIND_FASTOPEN:
                return new TcpOption.FastOpen(HEX.formatHex(b, d, d + dlen));
            case TcpOption.KIND_EXP:
                if (dlen >= 2 && u16(b, d) == TcpOption.FASTOPEN_MAGIC) {
                    return new TcpOption.FastOpenExp(HEX.formatHex(b, d + 2, d + dlen));
                }
                break;
            default:
                break;
        }
        return new TcpOption.Unknown(kind, HEX.formatHex(b, d, d + dlen));
    }

    // ---- checksums ----

    /**
     * Whether the IPv4 header checksum and the TCP or ICMP checksum of a datagram are correct: a
     * correct checksum sums to zero together with the data it covers.
     */
    public static boolean checksumsValid(byte[] b) {
        int ihl = (b[0] & 0x0f) * 4, total = u16(b, 2), proto = b[9] & 0xff;
        if (InternetChecksum.of(b, 0, ihl) != 0) return false;
        if (proto == IPPROTO_TCP) return InternetChecksum.tcp(i32(b, 12), i32(b, 16), b, ihl, total - ihl) == 0;
        if (proto == IPPROTO_ICMP) return InternetChecksum.of(b, ihl, total - ihl) == 0;
        return true;
    }

    // ---- bytes ----

    private static void check16(String what, int v) {
        if (v < 0 || v > 0xffff) throw new IllegalArgumentException(what + " " + v + " does not fit 16 bits");
    }

    private static void putHex(byte[] b, int at, String hex) {
        byte[] v = HEX.parseHex(hex);
        System.arraycopy(v, 0, b, at, v.length);
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    static void put32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    static int i32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
