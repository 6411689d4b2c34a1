package tcpsim.packetdrill.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * include/uapi/linux/tcp.h: struct tcp_info (6.x), decoded into tcpi_* names as packetdrill hands
 * them to its Python asserts. The kernel copies min(optlen, sizeof) bytes, so an older kernel's
 * shorter struct yields fewer names; a field is reported only when all its bytes were returned.
 * The AccECN bitfield word that closes the 6.18 struct is left out: its layout changed between
 * releases.
 */
final class TcpInfoLayout {
    private TcpInfoLayout() {}

    /** Bytes to ask for: more than any 6.x struct tcp_info. */
    static final int BUFFER_SIZE = 512;

    private record Field(String name, int offset, int size) {}

    private static final Field[] FIELDS = {
        u8("tcpi_state", 0), u8("tcpi_ca_state", 1), u8("tcpi_retransmits", 2), u8("tcpi_probes", 3),
        u8("tcpi_backoff", 4), u8("tcpi_options", 5),
        // offset 6: tcpi_snd_wscale:4, tcpi_rcv_wscale:4; offset 7: app_limited:1, fastopen_client_fail:2
        u32("tcpi_rto", 8), u32("tcpi_ato", 12), u32("tcpi_snd_mss", 16), u32("tcpi_rcv_mss", 20),
        u32("tcpi_unacked", 24), u32("tcpi_sacked", 28), u32("tcpi_lost", 32), u32("tcpi_retrans", 36),
        u32("tcpi_fackets", 40),
        u32("tcpi_last_data_sent", 44), u32("tcpi_last_ack_sent", 48), u32("tcpi_last_data_recv", 52),
        u32("tcpi_last_ack_recv", 56),
        u32("tcpi_pmtu", 60), u32("tcpi_rcv_ssthresh", 64), u32("tcpi_rtt", 68), u32("tcpi_rttvar", 72),
        u32("tcpi_snd_ssthresh", 76), u32("tcpi_snd_cwnd", 80), u32("tcpi_advmss", 84),
        u32("tcpi_reordering", 88), u32("tcpi_rcv_rtt", 92), u32("tcpi_rcv_space", 96),
        u32("tcpi_total_retrans", 100),
        u64("tcpi_pacing_rate", 104), u64("tcpi_max_pacing_rate", 112), u64("tcpi_bytes_acked", 120),
        u64("tcpi_bytes_received", 128), u32("tcpi_segs_out", 136), u32("tcpi_segs_in", 140),
        u32("tcpi_notsent_bytes", 144), u32("tcpi_min_rtt", 148), u32("tcpi_data_segs_in", 152),
        u32("tcpi_data_segs_out", 156), u64("tcpi_delivery_rate", 160), u64("tcpi_busy_time", 168),
        u64("tcpi_rwnd_limited", 176), u64("tcpi_sndbuf_limited", 184), u32("tcpi_delivered", 192),
        u32("tcpi_delivered_ce", 196), u64("tcpi_bytes_sent", 200), u64("tcpi_bytes_retrans", 208),
        u32("tcpi_dsack_dups", 216), u32("tcpi_reord_seen", 220), u32("tcpi_rcv_ooopack", 224),
        u32("tcpi_snd_wnd", 228), u32("tcpi_rcv_wnd", 232), u32("tcpi_rehash", 236),
        u16("tcpi_total_rto", 240), u16("tcpi_total_rto_recoveries", 242), u32("tcpi_total_rto_time", 244),
        u32("tcpi_received_ce", 248), u32("tcpi_delivered_e1_bytes", 252), u32("tcpi_delivered_e0_bytes", 256),
        u32("tcpi_delivered_ce_bytes", 260), u32("tcpi_received_e1_bytes", 264),
        u32("tcpi_received_e0_bytes", 268), u32("tcpi_received_ce_bytes", 272),
    };

    /** The first {@code len} bytes of a struct tcp_info, native (little-endian) order. */
    static Map<String, Long> decode(byte[] raw, int len) {
        ByteBuffer b = ByteBuffer.wrap(raw, 0, len).order(ByteOrder.nativeOrder());
        Map<String, Long> out = new LinkedHashMap<>();
        for (Field f : FIELDS) {
            if (f.offset + f.size > len) break;
            long v = switch (f.size) {
                case 1 -> b.get(f.offset) & 0xffL;
                case 2 -> b.getShort(f.offset) & 0xffffL;
                case 4 -> b.getInt(f.offset) & 0xffff_ffffL;
                default -> b.getLong(f.offset);
            };
            out.put(f.name, v);
            if (f.offset == 5 && len >= 8) {
                // GCC allocates bitfields from the least significant bit on little-endian targets.
                int w = raw[6] & 0xff, x = raw[7] & 0xff;
                out.put("tcpi_snd_wscale", (long) (w & 0x0f));
                out.put("tcpi_rcv_wscale", (long) (w >> 4));
                out.put("tcpi_delivery_rate_app_limited", (long) (x & 1));
                out.put("tcpi_fastopen_client_fail", (long) ((x >> 1) & 3));
            }
        }
        return out;
    }

    private static Field u8(String n, int o) { return new Field(n, o, 1); }
    private static Field u16(String n, int o) { return new Field(n, o, 2); }
    private static Field u32(String n, int o) { return new Field(n, o, 4); }
    private static Field u64(String n, int o) { return new Field(n, o, 8); }
}
