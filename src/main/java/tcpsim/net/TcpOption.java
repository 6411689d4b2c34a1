package tcpsim.net;

import java.util.List;

/**
 * One TCP option as it sits in the header, in wire order. A segment keeps a list so that layout
 * (the kernel's {@code tcp_options_write} order, NOPs included) is part of what is compared.
 */
public sealed interface TcpOption {
    int KIND_EOL = 0, KIND_NOP = 1, KIND_MSS = 2, KIND_WSCALE = 3, KIND_SACK_PERM = 4,
        KIND_SACK = 5, KIND_TIMESTAMP = 8, KIND_MD5 = 19, KIND_FASTOPEN = 34, KIND_EXP = 254;
    /** include/net/tcp.h: TCPOPT_FASTOPEN_MAGIC, the experimental-option TFO magic. */
    int FASTOPEN_MAGIC = 0xF989;

    int kind();

    /** Bytes this option takes on the wire. */
    int length();

    record Eol() implements TcpOption {
        public int kind() { return KIND_EOL; }
        public int length() { return 1; }
        @Override public String toString() { return "eol"; }
    }

    record Nop() implements TcpOption {
        public int kind() { return KIND_NOP; }
        public int length() { return 1; }
        @Override public String toString() { return "nop"; }
    }

    record Mss(int mss) implements TcpOption {
        public int kind() { return KIND_MSS; }
        public int length() { return 4; }
        @Override public String toString() { return "mss " + mss; }
    }

    record WindowScale(int shift) implements TcpOption {
        public int kind() { return KIND_WSCALE; }
        public int length() { return 3; }
        @Override public String toString() { return "wscale " + shift; }
    }

    record SackPermitted() implements TcpOption {
        public int kind() { return KIND_SACK_PERM; }
        public int length() { return 2; }
        @Override public String toString() { return "sackOK"; }
    }

    /** A SACK block, [start, end) in sequence space, unsigned 32-bit values held in ints. */
    record SackBlock(int start, int end) {
        @Override public String toString() {
            return Integer.toUnsignedString(start) + ":" + Integer.toUnsignedString(end);
        }
    }

    record Sack(List<SackBlock> blocks) implements TcpOption {
        public Sack { blocks = List.copyOf(blocks); }
        public int kind() { return KIND_SACK; }
        public int length() { return 2 + 8 * blocks.size(); }
        @Override public String toString() {
            StringBuilder b = new StringBuilder("sack");
            for (SackBlock s : blocks) b.append(' ').append(s);
            return b.toString();
        }
    }

    /** TSval and TSecr, unsigned 32-bit values held in ints. */
    record Timestamp(int val, int ecr) implements TcpOption {
        public int kind() { return KIND_TIMESTAMP; }
        public int length() { return 10; }
        @Override public String toString() {
            return "TS val " + Integer.toUnsignedString(val) + " ecr " + Integer.toUnsignedString(ecr);
        }
    }

    /** RFC 7413 Fast Open cookie (kind 34); an empty cookie is a cookie request. Hex, lower case. */
    record FastOpen(String cookieHex) implements TcpOption {
        public int kind() { return KIND_FASTOPEN; }
        public int length() { return 2 + cookieHex.length() / 2; }
        @Override public String toString() { return cookieHex.isEmpty() ? "FO" : "FO " + cookieHex; }
    }

    /** Experimental Fast Open option (kind 254, magic 0xF989). Hex, lower case. */
    record FastOpenExp(String cookieHex) implements TcpOption {
        public int kind() { return KIND_EXP; }
        public int length() { return 4 + cookieHex.length() / 2; }
        @Override public String toString() { return cookieHex.isEmpty() ? "FOEXP" : "FOEXP " + cookieHex; }
    }

    /** Any other option, kept as raw bytes in hex so that records compare by value. */
    record Unknown(int kind, String dataHex) implements TcpOption {
        public int length() { return 2 + dataHex.length() / 2; }
        @Override public String toString() { return "opt" + kind + (dataHex.isEmpty() ? "" : " " + dataHex); }
    }
}
