package tcpsim.net.wire;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import tcpsim.net.Packet;

/**
 * A classic pcap file (magic 0xa1b2c3d4, microsecond timestamps, LINKTYPE_ETHERNET) of the packets
 * the caller hands it, stamped with the caller's time: virtual time for the model, so Wireshark's
 * time column reads as µs since the scenario started.
 *
 * <p>Each record is handed to the kernel with one {@code write(2)} as it is written, with no buffer
 * in user space: if the process dies after some writes, even by SIGKILL, the file holds every
 * record written so far and stays readable. (Nothing is fsync'ed; a power loss is out of scope.)
 *
 * <p>The Ethernet header is invented: locally administered MACs {@code 02:00:a:b:c:d} built from
 * each IPv4 address, so each host keeps one MAC across the capture.
 */
public final class PcapWriter implements Closeable {
    public static final int MAGIC = 0xa1b2c3d4;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int SNAPLEN = 262144;
    private static final int ETH_HEADER_LEN = 14, RECORD_HEADER_LEN = 16, ETHERTYPE_IPV4 = 0x0800;

    private final FileChannel channel;

    /** Creates or truncates {@code file} and writes the file header at once. */
    public PcapWriter(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN)
            .putInt(LINKTYPE_ETHERNET).flip();
        writeFully(h);
    }

    /** Writes a packet encoded by {@link Wire#encode(Packet)} at {@code timeMicros}. */
    public void write(long timeMicros, Packet packet) throws IOException {
        writeDatagram(timeMicros, Wire.encode(packet));
    }

    /** Writes an IPv4 datagram (for example one read from a TUN device) at {@code timeMicros}. */
    public synchronized void writeDatagram(long timeMicros, byte[] datagram) throws IOException {
        if (timeMicros < 0) throw new IllegalArgumentException("negative timestamp " + timeMicros);
        int frameLen = ETH_HEADER_LEN + datagram.length;
        ByteBuffer r = ByteBuffer.allocate(RECORD_HEADER_LEN + frameLen).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) (timeMicros / 1_000_000)).putInt((int) (timeMicros % 1_000_000))
            .putInt(frameLen).putInt(frameLen);
        r.order(ByteOrder.BIG_ENDIAN);
        putMac(r, datagram.length >= 20 ? Wire.i32(datagram, 16) : 0);
        putMac(r, datagram.length >= 20 ? Wire.i32(datagram, 12) : 0);
        r.putShort((short) ETHERTYPE_IPV4).put(datagram).flip();
        writeFully(r);
    }

    private static void putMac(ByteBuffer b, int ip) {
        b.put((byte) 0x02).put((byte) 0).putInt(ip);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) channel.write(b);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
