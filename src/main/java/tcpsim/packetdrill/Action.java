package tcpsim.packetdrill;

import java.util.List;
import tcpsim.net.TcpOption;

/** What an event does: parser.y's {@code action} (packet, system call, shell command, code). */
public sealed interface Action {

    enum Direction { INBOUND, OUTBOUND }

    /**
     * The optional IP detail after the direction: {@code [ect0]}, {@code [noecn]}, {@code [ect01]}
     * (ECN bits), {@code (tos 0x10)} (the whole byte). On inbound packets it sets the byte, on
     * outbound ones it is checked.
     */
    record IpInfo(Check check, int value) {
        public enum Check { NONE, ECN, ECT01, TOS }

        /** include/net/inet_ecn.h: INET_ECN_* codepoints. */
        public static final int NOT_ECT = 0, ECT_1 = 1, ECT_0 = 2, CE = 3;

        public static final IpInfo UNCHECKED = new IpInfo(Check.NONE, 0);
    }

    /**
     * A TCP segment line. Sequence numbers are script-relative (see {@link ScriptRunner}); ports are
     * 0 unless the script wrote {@code src>dst}. {@code window} is -1 when not written (outbound: not
     * checked); {@code options} is null for {@code <...>} (outbound: not checked).
     */
    record TcpPacket(Direction direction, IpInfo ip, int srcPort, int dstPort, int flags,
                     long seq, int payload, long ack, int window, List<TcpOption> options)
        implements Action {
        public TcpPacket {
            options = options == null ? null : List.copyOf(options);
        }
    }

    /**
     * An ICMP line such as {@code < icmp unreachable host_unreachable [1:1(0)]}: type and code
     * resolved to numbers; the quoted TCP segment's script-relative seq and payload length; mtu is
     * -1 unless written.
     */
    record IcmpPacket(Direction direction, IpInfo ip, int type, int code, int mtu, long echoedSeq,
                      int echoedPayload, String text) implements Action {}

    /**
     * A system call with its expected result. {@code endUsecs} is the blocking end time written
     * after {@code ...} (null for a call that must not block); {@code errno} and {@code note} are
     * null when absent.
     */
    record SyscallSpec(String name, List<Expr> args, Long endUsecs, Expr result, String errno,
                       String note) implements Action {
        public SyscallSpec { args = List.copyOf(args); }

        public boolean blocking() { return endUsecs != null; }
    }

    /**
     * A packet line that parses but that no backend here can run: an ICMPv6 message, an outbound
     * ICMP message, a UDP datagram, an encapsulated packet (ipv4/ipv6/gre/mpls prefix), AccECN flags
     * or options, an IPv6 flow label or an IP TTL, packet fuzzing. The runner refuses the script with
     * {@code not modelled: what} before it starts.
     */
    record NotModelled(Direction direction, String what) implements Action {}

    /** A backticked shell command (also the init and cleanup commands). */
    record ShellCommand(String command, int line) implements Action {}

    /** A {@code %{ }%} Python block, with spaces and tabs stripped from its ends. */
    record PythonCode(String code) implements Action {}
}
