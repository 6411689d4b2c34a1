package tcpsim.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.net.TcpOption.Mss;
import tcpsim.net.TcpOption.Nop;
import tcpsim.net.TcpOption.SackPermitted;
import tcpsim.net.TcpOption.Timestamp;
import tcpsim.net.TcpOption.WindowScale;

class PcapWriterTest {
    static final int CLIENT = Skb.ip("192.0.2.1"), SERVER = Skb.ip("192.168.0.1");
    static final int ISN_C = 1_000_000, ISN_S = -559038737; // 0xdeadbeef: an ISN past 2^31 checks unsigned output

    @TempDir
    Path dir;

    static List<TcpOption> synOptions(int tsval, int tsecr) {
        return List.of(new Mss(1460), new SackPermitted(), new Timestamp(tsval, tsecr), new Nop(), new WindowScale(7));
    }

    /** The three handshake segments at 0, 100 µs and 1.000200 s. */
    static void writeHandshake(PcapWriter w) throws IOException {
        w.write(0, new Skb(CLIENT, SERVER, 40000, 8080, ISN_C, 0, Skb.SYN, 65535, synOptions(100, 0)));
        w.write(100, new Skb(SERVER, CLIENT, 8080, 40000, ISN_S, ISN_C + 1, Skb.SYN | Skb.ACK, 65160,
            synOptions(7000, 100)));
        w.write(1_000_200, new Skb(CLIENT, SERVER, 40000, 8080, ISN_C + 1, ISN_S + 1, Skb.ACK, 502,
            List.of(new Nop(), new Nop(), new Timestamp(101, 7000))));
    }

    @Test
    void tsharkReadsBackTheHandshakeWithPortsFlagsSeqAckOptionsAndTimes() throws Exception {
        String tshark = onPath("tshark");
        assumeTrue(tshark != null, "tshark is not installed (Debian package tshark); skipping the read-back check");
        Path f = dir.resolve("handshake.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            writeHandshake(w);
        }
        List<String> rows = tshark(tshark, f, "frame.time_relative", "tcp.srcport", "tcp.dstport", "tcp.flags",
            "tcp.seq", "tcp.ack", "tcp.option_kind", "tcp.options.mss_val", "tcp.options.wscale.shift",
            "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "ip.checksum.status", "tcp.checksum.status");
        assertEquals(List.of(
            // kinds: mss 2, sackOK 4, TS 8, nop 1, wscale 3; checksum status 1 = good (0 bad, 2 unverified)
            "0.000000000|40000|8080|0x0002|1000000|0|2,4,8,1,3|1460|7|100|0|1|1",
            "0.000100000|8080|40000|0x0012|3735928559|1000001|2,4,8,1,3|1460|7|7000|100|1|1",
            "1.000200000|40000|8080|0x0010|1000001|3735928560|1,1,8|||101|7000|1|1"), rows);
    }

    @Test
    void theFileIsCompleteAfterEachWriteWithoutClose() throws IOException {
        Path f = dir.resolve("interrupted.pcap");
        PcapWriter w = new PcapWriter(f);
        writeHandshake(w);
        // No close: what a killed process leaves behind.
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(), "magic: microsecond timestamps");
        assertEquals(2, b.getShort());
        assertEquals(4, b.getShort());
        b.getInt();
        b.getInt();
        assertEquals(PcapWriter.SNAPLEN, b.getInt());
        assertEquals(1, b.getInt(), "LINKTYPE_ETHERNET");
        long[][] times = {{0, 0}, {0, 100}, {1, 200}};
        for (long[] t : times) {
            assertEquals(t[0], b.getInt(), "ts_sec");
            assertEquals(t[1], b.getInt(), "ts_usec");
            int incl = b.getInt();
            assertEquals(incl, b.getInt(), "orig_len");
            byte[] frame = new byte[incl];
            b.get(frame);
            assertArrayEquals(new byte[] {0x08, 0x00}, new byte[] {frame[12], frame[13]}, "ethertype IPv4");
            assertEquals(0x45, frame[14] & 0xff);
        }
        assertEquals(0, b.remaining());
        w.close();
    }

    private static List<String> tshark(String tshark, Path f, String... fields) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tshark, "-r", f.toString(), "-T", "fields", "-E", "separator=|",
            "-o", "tcp.relative_sequence_numbers:FALSE", "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE"));
        for (String field : fields) cmd.addAll(List.of("-e", field));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), "tshark exit code");
        return out.lines().toList();
    }

    static String onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
