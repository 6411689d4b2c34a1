package tcpsim.packetdrill.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.LinuxConstants;

/**
 * tun0 as packetdrill sets it up (netdev.c: create_device, set_device_offload_flags): a TUN device
 * with a virtio-net header and checksum/TSO offload, so the kernel treats it like a typical
 * Ethernet NIC. That matters to what a script sees: with TSO the stack hands out one large segment
 * where a device without offload would get MSS-sized ones, and outbound TCP checksums are left
 * partial (pseudo-header only) for the "hardware" to finish. Reading a packet frees its skb, which
 * TCP Small Queues waits for, as it would on a real NIC's transmit completion.
 */
final class TunDevice {
    static final String NAME = "tun0";
    /* include/uapi/linux/if_tun.h */
    private static final long TUNSETIFF = 0x400454caL, TUNSETOFFLOAD = 0x400454d0L;
    private static final short IFF_TUN = 0x0001, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;
    private static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_TSO_ECN = 0x08;
    /** sizeof(struct virtio_net_hdr): what precedes every packet read or written. */
    private static final int VNET_HDR_LEN = 10;
    private static final int O_RDWR = 2, O_CLOEXEC = 02000000, IFREQ_LEN = 40;
    /** A 64 KB GSO packet plus the header. */
    private static final int READ_BUFFER = VNET_HDR_LEN + 65536;

    private final Libc c = Libc.C;
    private final int fd;
    private final Memory readBuffer = new Memory(READ_BUFFER);

    private TunDevice(int fd) {
        this.fd = fd;
    }

    static TunDevice create() throws BackendException {
        Libc c = Libc.C;
        int fd = c.open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) throw failed("open(/dev/net/tun)");
        Memory ifr = new Memory(IFREQ_LEN);
        ifr.clear();
        ifr.setString(0, NAME, "US-ASCII");
        ifr.setShort(16, (short) (IFF_TUN | IFF_NO_PI | IFF_VNET_HDR));
        if (c.ioctl(fd, TUNSETIFF, ifr) < 0) throw failed("ioctl(TUNSETIFF, " + NAME + ")");
        if (c.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) {
            throw failed("ioctl(TUNSETOFFLOAD)");
        }
        return new TunDevice(fd);
    }

    /** Blocks until the kernel sends a packet out of tun0; returns it without the virtio header. */
    byte[] read() throws BackendException {
        while (true) {
            long n = c.read(fd, readBuffer, READ_BUFFER);
            if (n >= VNET_HDR_LEN) return readBuffer.getByteArray(VNET_HDR_LEN, (int) n - VNET_HDR_LEN);
            if (n < 0 && Native.getLastError() != LinuxConstants.ERRNO.get("EINTR")) throw failed("read(" + NAME + ")");
        }
    }

    /** Hands a datagram to the kernel as if tun0 had received it; a zero virtio header means no GSO. */
    void write(byte[] datagram) throws BackendException {
        Memory m = new Memory(VNET_HDR_LEN + datagram.length);
        m.clear();
        m.write(VNET_HDR_LEN, datagram, 0, datagram.length);
        long n = c.write(fd, m, m.size());
        if (n < 0) throw failed("write(" + NAME + ")");
    }

    private static BackendException failed(String what) {
        return new BackendException(what + " failed: " + LinuxConstants.errnoName(Native.getLastError()));
    }
}
