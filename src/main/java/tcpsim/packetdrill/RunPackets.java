package tcpsim.packetdrill;

import static tcpsim.packetdrill.ScriptRunner.secs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import tcpsim.net.Icmp;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.RunState.Sock;
import tcpsim.packetdrill.RunState.SockState;
import tcpsim.packetdrill.ScriptResult.LogEntry;

/**
 * The packet lines of a run, as gtests/net/packetdrill/run_packet.c handles them: which socket a
 * script packet is for, script-relative sequence numbers, ports and timestamps translated into live
 * ones for an injected packet and back for a sniffed one, and an outbound packet matched field by
 * field against the script's.
 */
final class RunPackets {

    /** How long an outbound {@code *} packet may take. */
    static final long ANY_TIME_WAIT_USECS = 10_000_000;
    /** How long past a packet's deadline we still look, to say what came late rather than nothing. */
    static final long LATE_GRACE_USECS = 1_000_000;

    private final RunState st;
    private final ScriptRunner.Run loop;
    /** Outbound packets the backend has sent that no script line has checked yet, oldest first. */
    private final Deque<Backend.Outbound> pending = new ArrayDeque<>();
    private int nextRemotePort = ScriptRunner.FIRST_REMOTE_PORT;

    RunPackets(RunState st, ScriptRunner.Run loop) {
        this.st = st;
        this.loop = loop;
        primeOptionComparisons();
    }

    /**
     * A record's first equals() bootstraps its method handles, which takes milliseconds in a
     * fresh JVM: done here, before time 0, for every option this script expects, rather than
     * while a live packet is being checked (it would delay every later event).
     */
    private void primeOptionComparisons() {
        for (Event ev : st.events) {
            if (ev.action() instanceof Action.TcpPacket p && p.options() != null) {
                for (TcpOption o : p.options()) o.equals(o);
            }
        }
    }

    /** An outbound packet the backend reported, to be matched by a later script line. */
    void sniffed(Backend.Outbound o) {
        pending.addLast(o);
    }

    /** At the end of the script: note what the stack sent that no script line checked. */
    void noteUnchecked() {
        for (Backend.Outbound o : pending) {
            st.notes.add(String.format(Locale.ROOT, "unchecked outbound packet at %s sec after the last event: %s",
                secs(o.timeMicros() - st.liveStart), o.packet()));
        }
    }

    /** run_packet.c find_or_create_socket_for_script_packet(). */
    private Sock socketFor(boolean tcp, boolean inbound, int flags, long seq) throws ScriptError {
        if (tcp && inbound && (st.underTest == null || st.underTest.state == SockState.PASSIVE_LISTENING)) {
            Sock child = new Sock(-1, -1);
            child.state = SockState.PASSIVE_PACKET_RECEIVED;
            child.remoteIp = st.settings.remoteIp();
            child.remotePort = nextRemotePort++;
            child.localIp = st.settings.localIp();
            child.localPort = st.settings.bindPort();
            child.liveRemoteIsn = (int) seq;
            st.fds.add(0, child);
            st.underTest = child;
            return child;
        }
        boolean syn = (flags & Skb.SYN) != 0, ack = (flags & Skb.ACK) != 0;
        if (tcp && !inbound && syn && !ack && st.underTest != null
            && st.underTest.state == SockState.ACTIVE_CONNECTING) {
            st.underTest.state = SockState.ACTIVE_SYN_SENT;
            st.underTest.scriptLocalIsn = (int) seq;
            return st.underTest;
        }
        if (st.underTest != null) return st.underTest;
        throw new ScriptError(st.file, st.line, "error handling packet: no matching socket for script packet");
    }

    /** run_packet.c do_inbound_script_packet(): the script's segment made live and injected. */
    void inbound(int i, Action.TcpPacket p) throws ScriptError, BackendException {
        Sock s = socketFor(true, true, p.flags(), p.seq());
        loop.waitForEvent(i, "inbound packet");
        boolean syn = (p.flags() & Skb.SYN) != 0, ack = (p.flags() & Skb.ACK) != 0;
        if (s.state == SockState.PASSIVE_SYNACK_SENT && ack) {
            s.state = SockState.PASSIVE_SYNACK_ACKED;
        } else if (s.state == SockState.ACTIVE_SYN_SENT && syn && ack) {
            s.state = SockState.ACTIVE_SYN_ACKED;
            s.liveRemoteIsn = (int) p.seq();
        }
        int seqOffset = syn ? 0 : s.liveRemoteIsn;
        int ackOffset = syn ? s.liveLocalIsn - s.scriptLocalIsn : s.liveLocalIsn;
        List<TcpOption> options = new ArrayList<>();
        for (TcpOption o : p.options()) {
            if (o instanceof TcpOption.Sack sack) {
                options.add(offsetSack(sack, ackOffset));
            } else if (o instanceof TcpOption.Timestamp ts && ack) {
                options.add(new TcpOption.Timestamp(ts.val(), liveTsEcr(s, ts.ecr())));
            } else {
                options.add(o);
            }
        }
        int tos = p.ip().check() == Action.IpInfo.Check.NONE ? 0 : p.ip().value();
        Skb live = new Skb(s.remoteIp, s.localIp, p.srcPort() != 0 ? p.srcPort() : s.remotePort,
            p.dstPort() != 0 ? p.dstPort() : s.localPort, (int) p.seq() + seqOffset,
            ack ? (int) p.ack() + ackOffset : (int) p.ack(), p.flags(), p.window(), options, p.payload(), tos);
        st.backend.inject(live);
        st.lastDone = st.now();
        st.log.add(st.entryAt("<", PacketText.script(p), st.lastDone));
    }

    /** run_packet.c map_inbound_packet(): the live TSval a script TS ecr refers to. */
    private int liveTsEcr(Sock s, int scriptEcr) throws ScriptError {
        Integer live = s.tsValMap.get(scriptEcr);
        if (live != null) return live;
        if (st.settings.tsEcrScaled() && s.foundFirstTs) return scriptEcr - s.firstScriptTsVal + s.firstActualTsVal;
        throw new ScriptError(st.file, st.line, "error handling packet: unable to infer live TS ecr for script TS ecr "
            + Integer.toUnsignedString(scriptEcr) + "; no matching or preceding outbound TS val");
    }

    private static TcpOption.Sack offsetSack(TcpOption.Sack sack, int off) {
        List<TcpOption.SackBlock> blocks = new ArrayList<>();
        for (TcpOption.SackBlock b : sack.blocks()) blocks.add(new TcpOption.SackBlock(b.start() + off, b.end() + off));
        return new TcpOption.Sack(blocks);
    }

    /** run_packet.c map_inbound_icmp_tcp_packet(): the quoted segment's seq made live. */
    void inboundIcmp(int i, Action.IcmpPacket p) throws ScriptError, BackendException {
        Sock s = socketFor(false, true, 0, 0);
        loop.waitForEvent(i, "inbound packet");
        Skb quoted = new Skb(s.localIp, s.remoteIp, s.localPort, s.remotePort, (int) p.echoedSeq() + s.liveLocalIsn,
            0, 0, 0, List.of(), p.echoedPayload(), 0);
        st.backend.inject(new Icmp(s.remoteIp, s.localIp, p.type(), p.code(), Math.max(p.mtu(), 0), quoted));
        st.lastDone = st.now();
        st.log.add(st.entryAt("<", p.text(), st.lastDone));
    }

    /** run_packet.c do_outbound_script_packet(): the next live segment matched and timed. */
    void outbound(int i, Action.TcpPacket p) throws ScriptError, BackendException {
        Sock s = socketFor(true, false, p.flags(), p.seq());
        boolean synAck = (p.flags() & (Skb.SYN | Skb.ACK)) == (Skb.SYN | Skb.ACK);
        if (s.state == SockState.PASSIVE_PACKET_RECEIVED && synAck) s.scriptLocalIsn = (int) p.seq();
        EventTime t = st.events.get(i).time();
        long tol = loop.tolerance(st.start[i], loop.lastEventTime());
        boolean any = t instanceof EventTime.AnyTime;
        long deadline = any ? st.now() + ANY_TIME_WAIT_USECS
            : (t instanceof EventTime.AbsoluteRange || t instanceof EventTime.RelativeRange ? st.end[i] : st.start[i])
                + tol;
        Backend.Outbound live = sniff(s, deadline);
        if (live == null && !any) live = sniff(s, deadline + LATE_GRACE_USECS);
        if (live == null) {
            String expectedAt = any ? "any time" : "at " + secs(st.start[i]) + " sec";
            throw ScriptError.failure(st.file, st.line, "error handling packet: timed out waiting for packet: outbound "
                + "packet expected " + expectedAt + ", none seen by " + secs(st.now()) + " sec",
                List.of("script packet: " + secs(st.start[i]) + " " + PacketText.script(p)));
        }
        st.lastDone = st.now();
        Skb skb = (Skb) live.packet();
        if (s.state == SockState.PASSIVE_PACKET_RECEIVED && synAck) {
            s.state = SockState.PASSIVE_SYNACK_SENT;
            s.liveLocalIsn = skb.seq();
        }
        Skb actual = toScriptSpace(s, skb, p, true);
        long actualTime = live.timeMicros() - st.liveStart;
        String text = PacketText.actual(actual, true);
        st.log.add(new LogEntry(st.line, ">", text, actualTime,
            PacketText.actual(actual, st.settings.tsTickUsecs() != 0)));
        String err = verifyFields(p, actual, st.start[i]);
        if (err != null && expectedComesLater(s, p, st.start[i])) {
            err = "unexpected outbound packet " + text + " (" + err + "); the expected packet came after it";
        }
        if (err == null) {
            err = loop.verifyTime(i, st.start[i], st.end[i], actualTime, loop.lastEventTime(), "outbound packet");
        }
        if (err != null) {
            throw ScriptError.failure(st.file, st.line, "error handling packet: " + err, List.of(
                "script packet: " + secs(st.start[i]) + " " + PacketText.script(p),
                "actual packet: " + secs(actualTime) + " " + text));
        }
    }

    /**
     * Whether a packet the stack has already sent after the mismatching one is the one the
     * script expects (looking only at what is there now, without letting time pass).
     */
    private boolean expectedComesLater(Sock s, Action.TcpPacket p, long eventTime)
        throws ScriptError, BackendException {
        for (Backend.Observed o = st.backend.next(st.backend.nowMicros()); o != null;
            o = st.backend.next(st.backend.nowMicros())) {
            loop.observed(o);
        }
        for (Backend.Outbound o : pending) {
            if (o.packet() instanceof Skb skb && skb.saddr() == s.localIp && skb.sport() == s.localPort
                && skb.daddr() == s.remoteIp && skb.dport() == s.remotePort
                && verifyFields(p, toScriptSpace(s, skb, p, false), eventTime) == null) {
                return true;
            }
        }
        return false;
    }

    /** The next outbound packet for this socket, skipping others; null if none by the deadline. */
    private Backend.Outbound sniff(Sock s, long deadline) throws ScriptError, BackendException {
        while (true) {
            while (!pending.isEmpty()) {
                Backend.Outbound o = pending.removeFirst();
                if (isFor(s, o.packet())) return o;
                st.notes.add(String.format(Locale.ROOT, "line %d: ignored outbound packet at %s sec, not for the "
                    + "socket under test: %s", st.line, secs(o.timeMicros() - st.liveStart), o.packet()));
            }
            Backend.Observed o = st.backend.next(st.liveStart + deadline);
            if (o == null) return null;
            loop.observed(o);
        }
    }

    /** run_packet.c find_socket_for_live_packet() and find_connect_for_live_packet(). */
    private boolean isFor(Sock s, Packet p) {
        if (!(p instanceof Skb skb)) return false;
        if (skb.saddr() == s.localIp && skb.sport() == s.localPort && skb.daddr() == s.remoteIp
            && skb.dport() == s.remotePort) {
            return true;
        }
        if (s.state == SockState.ACTIVE_SYN_SENT && skb.syn() && !skb.ack() && skb.daddr() == s.remoteIp
            && skb.dport() == s.remotePort) {
            s.localIp = skb.saddr();
            s.localPort = skb.sport();
            s.liveLocalIsn = skb.seq();
            return true;
        }
        return false;
    }

    /**
     * run_packet.c tcp_convert_seq_number() and map_outbound_live_packet(). With {@code learn},
     * a TSval the script also gives extends the script-to-live TSval map.
     */
    private Skb toScriptSpace(Sock s, Skb live, Action.TcpPacket script, boolean learn) {
        boolean syn = live.syn();
        int seqOffset = syn ? s.liveLocalIsn - s.scriptLocalIsn : s.liveLocalIsn;
        int ackOffset = syn ? 0 : s.liveRemoteIsn;
        TcpOption.Timestamp scriptTs = script.options() == null ? null : find(script.options());
        List<TcpOption> options = new ArrayList<>();
        for (TcpOption o : live.options()) {
            if (o instanceof TcpOption.Sack sack) {
                options.add(offsetSack(sack, -ackOffset));
            } else if (o instanceof TcpOption.Timestamp ts) {
                if (learn && scriptTs != null) {
                    s.tsValMap.put(scriptTs.val(), ts.val());
                    if (!s.foundFirstTs) {
                        s.foundFirstTs = true;
                        s.firstScriptTsVal = scriptTs.val();
                        s.firstActualTsVal = ts.val();
                    }
                }
                options.add(!s.foundFirstTs ? ts
                    : new TcpOption.Timestamp(s.firstScriptTsVal + (ts.val() - s.firstActualTsVal), ts.ecr()));
            } else {
                options.add(o);
            }
        }
        return new Skb(live.saddr(), live.daddr(), live.sport(), live.dport(), live.seq() - seqOffset,
            live.ack() ? live.ackSeq() - ackOffset : live.ackSeq(), live.flags(), live.window(), options, live.len(),
            live.tos());
    }

    private static TcpOption.Timestamp find(List<TcpOption> options) {
        for (TcpOption o : options) if (o instanceof TcpOption.Timestamp ts) return ts;
        return null;
    }

    /** run_packet.c verify_outbound_live_packet(), field by field; null when all match. */
    private String verifyFields(Action.TcpPacket p, Skb a, long eventTime) {
        if (p.flags() != a.flags()) {
            return "live packet field tcp_flags: expected: " + Skb.flagString(p.flags()) + " vs actual: "
                + Skb.flagString(a.flags());
        }
        String err = field("tcp_seq", p.seq(), Integer.toUnsignedLong(a.seq()));
        if (err != null) return err;
        if (p.payload() != a.len()) {
            return "live packet payload: expected " + p.payload() + " bytes vs actual " + a.len() + " bytes";
        }
        err = field("tcp_ack_seq", p.ack(), Integer.toUnsignedLong(a.ackSeq()));
        if (err != null) return err;
        if (p.window() >= 0 && (err = field("tcp_window", p.window(), a.window())) != null) return err;
        if (p.options() != null && (err = verifyOptions(p.options(), a.options(), eventTime)) != null) return err;
        return verifyTos(p.ip(), a.tos());
    }

    private String field(String name, long expected, long actual) {
        if (expected == actual) return null;
        return String.format(Locale.ROOT, "live packet field %s: expected: %d (0x%x) vs actual: %d (0x%x)",
            name, expected, expected, actual, actual);
    }

    /** run_packet.c verify_outbound_live_tcp_options(): same kinds in the same order, same values. */
    private String verifyOptions(List<TcpOption> expected, List<TcpOption> actual, long eventTime) {
        for (int k = 0; k < Math.max(expected.size(), actual.size()); k++) {
            TcpOption e = k < expected.size() ? expected.get(k) : null;
            TcpOption a = k < actual.size() ? actual.get(k) : null;
            if (e == null || a == null || e.kind() != a.kind()
                || (!(e instanceof TcpOption.Timestamp) && !e.equals(a))) {
                return "bad outbound TCP options: expected: " + (e == null ? "(no more options)" : e)
                    + " actual: " + (a == null ? "(no more options)" : a);
            }
            if (e instanceof TcpOption.Timestamp ets && st.settings.tsTickUsecs() != 0) {
                TcpOption.Timestamp ats = (TcpOption.Timestamp) a;
                long tol = loop.tolerance(eventTime, 0L);
                long dev = Math.abs((long) (ats.val() - ets.val())) * st.settings.tsTickUsecs();
                if (dev > tol) {
                    return "bad outbound TCP timestamp value, tolerance " + tol + ": expected: TS val "
                        + Integer.toUnsignedString(ets.val()) + " actual: TS val " + Integer.toUnsignedString(ats.val());
                }
            }
        }
        return null;
    }

    private String verifyTos(Action.IpInfo ip, int tos) {
        int ecn = tos & 3;
        return switch (ip.check()) {
            case NONE -> null;
            case ECT01 -> ecn == Action.IpInfo.ECT_0 || ecn == Action.IpInfo.ECT_1 ? null
                : String.format(Locale.ROOT, "live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x%x", ecn);
            case ECN -> field("ip_ecn", ip.value(), ecn);
            case TOS -> field("tos", ip.value(), tos);
        };
    }
}
