package tcpsim.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tcpsim.net.Icmp;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.net.TcpOption.Eol;
import tcpsim.net.TcpOption.FastOpen;
import tcpsim.net.TcpOption.FastOpenExp;
import tcpsim.net.TcpOption.Mss;
import tcpsim.net.TcpOption.Nop;
import tcpsim.net.TcpOption.Sack;
import tcpsim.net.TcpOption.SackBlock;
import tcpsim.net.TcpOption.SackPermitted;
import tcpsim.net.TcpOption.Timestamp;
import tcpsim.net.TcpOption.Unknown;
import tcpsim.net.TcpOption.WindowScale;

class WireTest {
    static final int LOCAL = Skb.ip("192.168.0.1"), REMOTE = Skb.ip("192.0.2.1");
    static final HexFormat HEX = HexFormat.of();

    static Skb syn(List<TcpOption> options) {
        return new Skb(REMOTE, LOCAL, 40000, 8080, 0xfffffff0, 0, Skb.SYN, 65535, options, 0, 0);
    }

    static Stream<List<TcpOption>> optionLists() {
        return Stream.of(
            List.of(),
            List.of(new Mss(1460)),
            List.of(new Mss(1460), new SackPermitted(), new Timestamp(0xdeadbeef, 0), new Nop(), new WindowScale(7)),
            List.of(new Mss(1460), new Nop(), new Nop(), new SackPermitted(), new Nop(), new WindowScale(14)),
            List.of(new Nop(), new Nop(), new Timestamp(-1, 0x80000000)),
            List.of(new Nop(), new Nop(), new Sack(List.of(new SackBlock(1001, 2001)))),
            List.of(new Nop(), new Nop(), new Sack(List.of(new SackBlock(1, 2), new SackBlock(3, 4),
                new SackBlock(5, 6), new SackBlock(-10, -1)))),
            List.of(new Mss(1460), new FastOpen("")),
            List.of(new Mss(1460), new Nop(), new Nop(), new FastOpen("3021b9d889017eeb")),
            List.of(new FastOpenExp("")),
            List.of(new Mss(1040), new FastOpenExp("b7c12350a90dc8f5"), new Nop(), new Nop()),
            List.of(new Unknown(19, "00112233445566778899aabbccddeeff")),
            List.of(new Unknown(99, ""), new Unknown(254, "1234abcd")),
            List.of(new Mss(536), new Eol()));
    }

    @ParameterizedTest
    @MethodSource("optionLists")
    void everyOptionSurvivesEncodeThenDecodeInWireOrder(List<TcpOption> options) {
        Skb s = syn(options);
        byte[] d = Wire.encode(s);
        assertEquals(20 + s.headerLength(), d.length);
        assertTrue(Wire.checksumsValid(d), "IP and TCP checksums");
        assertEquals(s, Wire.decode(d));
    }

    @Test
    void payloadLengthComesFromTheIpTotalLengthAndIsZeroFilled() {
        Skb s = new Skb(LOCAL, REMOTE, 8080, 40000, 1, 1001, Skb.PSH | Skb.ACK, 502,
            List.of(new Nop(), new Nop(), new Timestamp(5, 6)), 1000, 0);
        byte[] d = Wire.encode(s, 0x1234);
        assertEquals(20 + 32 + 1000, d.length);
        assertEquals(20 + 32 + 1000, Wire.u16(d, 2), "IP total length");
        assertEquals(0x1234, Wire.u16(d, 4), "IP ID");
        for (int i = 52; i < d.length; i++) assertEquals(0, d[i], "payload byte " + i);
        assertTrue(Wire.checksumsValid(d));
        assertEquals(1000, ((Skb) Wire.decode(d)).len());
    }

    @Test
    void ipHeaderIsWhatLinuxWritesForTcpTtl64DfAndTos() {
        Skb s = new Skb(LOCAL, REMOTE, 8080, 40000, 0, 0, Skb.SYN | Skb.ECE | Skb.CWR, 65535, List.of(), 0, 0x02);
        byte[] d = Wire.encode(s);
        assertEquals(0x45, d[0] & 0xff, "version 4, IHL 5");
        assertEquals(0x02, d[1] & 0xff, "TOS with ECT(0)");
        assertEquals(0x4000, Wire.u16(d, 6), "DF, offset 0");
        assertEquals(64, d[8] & 0xff, "TTL");
        assertEquals(6, d[9] & 0xff, "protocol TCP");
        assertEquals(s, Wire.decode(d), "tos and ECN flags decode back");
    }

    @Test
    void theAccEcnAeFlagRidesInTheReservedNibble() {
        Skb s = new Skb(REMOTE, LOCAL, 40000, 8080, 7, 0, 0x100 | Skb.SYN | Skb.ECE | Skb.CWR, 1000, List.of(), 0, 0);
        byte[] d = Wire.encode(s);
        assertEquals(0x51, d[20 + 12] & 0xff, "data offset 5, AE bit");
        assertEquals(s, Wire.decode(d));
    }

    /**
     * 192.0.2.1:40000 > 192.168.0.1:8080 S 0 win 65535, no options, IP ID 0, by hand:
     * IP: 4500+0028+0000+4000+4006+c000+0201+c0a8+0001 = 0x247d8, folded 0x47da, complemented 0xb825.
     * TCP pseudo-header c000+0201+c0a8+0001+0006+0014 = 0x182c4; header 9c40+1f90+5002+ffff = 0x20bd1;
     * sum 0x38e95, folded 0x8e98, complemented 0x7167.
     */
    @Test
    void checksumsMatchAHandComputedSyn() {
        Skb s = new Skb(REMOTE, LOCAL, 40000, 8080, 0, 0, Skb.SYN, 65535, List.of());
        byte[] d = Wire.encode(s);
        assertArrayEquals(HEX.parseHex("45000028000040004006b825c0000201c0a80001"
            + "9c401f9000000000000000005002ffff71670000"), d);
    }

    /** The IPv4 header example of RFC 1071's usual illustration (Wikipedia "IPv4 header checksum"). */
    @Test
    void ipv4HeaderChecksumMatchesTheTextbookVector() {
        byte[] h = HEX.parseHex("450000730000400040110000c0a80001c0a800c7");
        assertEquals(0xb861, InternetChecksum.of(h, 0, h.length));
    }

    @Test
    void aCorruptedByteFailsChecksumVerification() {
        byte[] d = Wire.encode(syn(List.of(new Mss(1460))));
        d[24] ^= 1; // TCP sequence number
        assertFalse(Wire.checksumsValid(d));
    }

    @Test
    void icmpFragNeededRoundTripsWithTheQuotedSegment() {
        Skb ours = new Skb(LOCAL, REMOTE, 8080, 40000, 1, 1001, Skb.ACK | Skb.PSH, 502,
            List.of(new Nop(), new Nop(), new Timestamp(1, 2)), 1460, 0);
        Icmp m = new Icmp(REMOTE, LOCAL, Icmp.DEST_UNREACH, Icmp.FRAG_NEEDED, 1200, ours);
        byte[] d = Wire.encode(m);
        assertTrue(Wire.checksumsValid(d), "IP and ICMP checksums");
        assertEquals(1, d[9], "protocol ICMP");
        assertEquals(1200, Wire.u16(d, 20 + 6), "next-hop MTU");
        assertEquals(20 + 32 + 1460, Wire.u16(d, 28 + 2), "quoted IP total length counts the original payload");
        assertEquals(m, Wire.decode(d));
    }

    @Test
    void icmpQuotingOnlyEightBytesYieldsPortsSeqAndLength() {
        // packetdrill's form: IP header + first 8 bytes of TCP; the quoted total length says 20+20+100.
        byte[] d = HEX.parseHex("45c00038000000004001" + "0000" + "c0000201c0a80001"
            + "0301" + "0000" + "00000000"
            + "4500008c000040004006" + "0000" + "c0a80001c0000201"
            + "1f909c40" + "000003e9");
        Wire.put16(d, 10, InternetChecksum.of(d, 0, 20));
        Wire.put16(d, 22, InternetChecksum.of(d, 20, d.length - 20));
        Icmp m = assertInstanceOf(Icmp.class, Wire.decode(d));
        assertEquals(Icmp.HOST_UNREACH, m.code());
        Skb q = m.quoted();
        assertEquals(List.of(LOCAL, REMOTE, 8080, 40000, 1001, 100),
            List.of(q.saddr(), q.daddr(), q.sport(), q.dport(), q.seq(), q.len()));
    }

    @Test
    void nonTcpTrafficDecodesToNull() {
        byte[] udp = HEX.parseHex("450000730000400040110000c0a80001c0a800c7");
        byte[] padded = new byte[0x73];
        System.arraycopy(udp, 0, padded, 0, udp.length);
        assertNull(Wire.decode(padded), "UDP");
        byte[] ipv6 = new byte[40];
        ipv6[0] = 0x60;
        assertNull(Wire.decode(ipv6), "IPv6");
    }

    @Test
    void truncatedOrInconsistentDatagramsAreRejected() {
        byte[] d = Wire.encode(syn(List.of(new Mss(1460))));
        assertThrows(IllegalArgumentException.class, () -> Wire.decode(d, 0, d.length - 1), "short capture");
        byte[] overrun = d.clone();
        overrun[40 + 1] = 9; // mss option claims 9 bytes in a 4-byte option area
        assertThrows(IllegalArgumentException.class, () -> Wire.decode(overrun));
    }

    @Test
    void aKnownKindWithAnOddLengthIsKeptAsUnknown() {
        byte[] d = Wire.encode(syn(List.of(new Unknown(TcpOption.KIND_MSS, "05"), new Nop())));
        Packet p = Wire.decode(d);
        assertEquals(List.of(new Unknown(2, "05"), new Nop()), ((Skb) p).options());
    }

    @Test
    void optionsThatDoNotFillAWordArePaddedWithEolThatIsNotReportedAsAnOption() {
        byte[] d = Wire.encode(syn(List.of(new Mss(1460), new WindowScale(7))));
        assertEquals(0x70, d[20 + 12] & 0xf0, "data offset 7 words: 7 option bytes + 1 pad");
        assertEquals(0, d[20 + 27], "pad byte");
        assertEquals(List.of(new Mss(1460), new WindowScale(7)), ((Skb) Wire.decode(d)).options());
    }
}
