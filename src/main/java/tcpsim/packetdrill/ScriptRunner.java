package tcpsim.packetdrill;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import tcpsim.net.Icmp;
import tcpsim.net.Packet;
import tcpsim.net.Skb;
import tcpsim.net.TcpOption;
import tcpsim.packetdrill.Action.Direction;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.Backend.SyscallResult;
import tcpsim.packetdrill.ScriptResult.LogEntry;
import tcpsim.packetdrill.ScriptResult.Verdict;

/**
 * Runs a parsed script against a {@link Backend} with packetdrill's semantics
 * (gtests/net/packetdrill/run.c, run_packet.c, run_system_call.c, socket.h):
 *
 * <ul>
 *   <li><b>Time.</b> Script time 0 is the backend time when the init command has finished.
 *   Relative times count from when the previous event finished, except that consecutive inbound
 *   packets are anchored to the previous packet's script time. "Finished" is read from the
 *   backend the moment the event's effect is done (the packet injected, the call returned, the
 *   packet seen), before this runner logs it: packetdrill's own bookkeeping takes microseconds,
 *   and a runner that counted its own (a cold JVM formats its first packets in milliseconds)
 *   would shift every later event. An event may be off by
 *   {@code --tolerance_usecs} (4000) or by {@code tolerance_percent} (12.5 %) of the gap since the
 *   previous event, whichever is larger; a blocking call's return is checked against its
 *   {@code t...t_end} end, with the percentage taken over the call's own duration.
 *   <li><b>Sequence numbers.</b> Inbound: a SYN's seq is absolute and becomes the remote ISN;
 *   later seqs are relative to it. Outbound: seqs are relative to the stack's ISN, learned from
 *   its first SYN or SYN-ACK (on a SYN or SYN-ACK line, relative to the ISN the script wrote
 *   there). An inbound ACK number is mapped into the stack's space the same way; a SYN-ACK's ack
 *   is absolute. SACK blocks follow the ack.
 *   <li><b>Timestamps.</b> An inbound TS ecr is rewritten to the live TSval the stack sent in the
 *   outbound packet whose script TSval it names (with {@code --tcp_ts_ecr_scaled}, interpolated).
 *   An outbound TSval is checked only with {@code --tcp_ts_tick_usecs}, relative to the first one.
 *   <li><b>Outbound packets</b> are matched in the order the stack sent them; packets that are not
 *   for the socket under test (old connections) are skipped, and noted. Flags, seq, payload
 *   length, ack, window (when written), options (unless {@code <...>}) and ECN/TOS (when written)
 *   are compared, then the time. A packet the stack never sends is reported after its deadline.
 *   <li><b>Sockets.</b> The socket under test is the last one created by {@code socket()}, or the
 *   child an inbound packet to a listener creates; the runner picks a fresh remote port for each
 *   child. Script fds map to backend fds from {@code socket()}, {@code accept()} and
 *   {@code epoll_create()} results.
 *   <li><b>Calls.</b> A {@code ...} address is the runner's: bind gets (local IP, bind port),
 *   connect/sendto/sendmsg get (remote IP, connect port), an address family alone (AF_UNSPEC)
 *   gives that family with no address; a {@code ...} address length is 16. A non-blocking call
 *   first waits up to 1 s for a blocking one in progress.
 *   <li><b>Python blocks</b> record tcp_info of the socket under test when they run and execute
 *   together at the end (see {@link PythonBlocks}).
 * </ul>
 *
 * <p>Conventions for backends: {@code socket(AF_INET, type, protocol)}; {@code bind/connect(fd,
 * Sockaddr, Int(16))}; {@code accept(fd, Ellipsis, Ellipsis)}; {@code sendto(fd, buf, len, flags,
 * Sockaddr, Int(16))}; buffers are {@link Arg.Ellipsis} ({@link Arg.Null} for NULL);
 * {@code setsockopt/getsockopt} values are {@link Arg.IntArray} ({@code [1]}), {@link Arg.Struct}
 * ({@code {onoff=1, linger=0}}) or {@link Arg.Bytes}; {@code poll} gets an {@link Arg.ArrayOf}
 * {@link Arg.Struct}s {fd, events, revents}. Out-values the runner checks: {@code optval} (and
 * {@code optlen}) for getsockopt, {@code revents[i]} (or {@code revents} for the first) for poll,
 * {@code events} and {@code fd} for epoll_wait.
 */
public final class ScriptRunner {

    /** How long an outbound {@code *} packet may take. */
    static final long ANY_TIME_WAIT_USECS = 10_000_000;
    /** How long past a packet's deadline we still look, to say what came late rather than nothing. */
    static final long LATE_GRACE_USECS = 1_000_000;
    /** run_system_call.c await_idle_thread(): MAX_WAIT_SECS. */
    static final long AWAIT_IDLE_USECS = 1_000_000;
    /** First remote port for passive connections (packetdrill takes one from the ephemeral range). */
    static final int FIRST_REMOTE_PORT = 48000;

    private static final int AF_INET = 2;
    private static final int SOCKADDR_IN_LEN = 16;

    private final RunSettings base;
    private final OptionalLong toleranceOverride;

    /** The upstream runners' defaults and the script's own tolerance. */
    public ScriptRunner() {
        this(RunSettings.defaults(), OptionalLong.empty());
    }

    /** @param toleranceOverride a {@code --tolerance_usecs} given on the command line, if any */
    public ScriptRunner(RunSettings base, OptionalLong toleranceOverride) {
        this.base = base;
        this.toleranceOverride = toleranceOverride;
    }

    /**
     * Run a script. Starts the backend with the script's settings, runs the init command, the
     * events, the cleanup command and the Python blocks, and closes the backend. Never throws:
     * every problem becomes the result's verdict.
     */
    public ScriptResult run(Script script, Backend backend) {
        return new Run(script, backend).execute();
    }

    // ---- the state of one run ----

    private enum SockState {
        NEW, ACTIVE_CONNECTING, ACTIVE_SYN_SENT, ACTIVE_SYN_ACKED, PASSIVE_LISTENING,
        PASSIVE_PACKET_RECEIVED, PASSIVE_SYNACK_SENT, PASSIVE_SYNACK_ACKED
    }

    /** A script fd and the backend fd it stands for. */
    private static class Fd {
        int scriptFd;
        int liveFd;
        boolean closed;

        Fd(int scriptFd, int liveFd) {
            this.scriptFd = scriptFd;
            this.liveFd = liveFd;
        }
    }

    /** socket.h struct socket: live 4-tuple, ISNs and the TS val mapping. */
    private static final class Sock extends Fd {
        SockState state = SockState.NEW;
        int localIp, localPort, remoteIp, remotePort;
        int scriptLocalIsn, liveLocalIsn, liveRemoteIsn;
        final Map<Integer, Integer> tsValMap = new HashMap<>();
        boolean foundFirstTs;
        int firstScriptTsVal, firstActualTsVal;

        Sock(int scriptFd, int liveFd) {
            super(scriptFd, liveFd);
        }
    }

    private enum Check { EXACT, FD }

    private interface After {
        void apply(SyscallResult r, long expected) throws ScriptError;
    }

    private record Prepared(Backend.Syscall call, Check mode, After after) {}

    private record InFlight(int callId, int event, Action.SyscallSpec spec, Prepared prepared) {}

    private final class Run {
        private final Script script;
        private final Backend backend;
        private final String file;
        private final List<Event> events;
        private final long[] start;
        private final long[] end;
        private final long[] offset;
        private final List<LogEntry> log = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<Fd> fds = new ArrayList<>();
        private final Deque<Backend.Outbound> pending = new ArrayDeque<>();
        private final PythonBlocks python;
        private RunSettings settings;
        private Sock underTest;
        private InFlight inFlight;
        private long liveStart;
        /** Script time the previous event's effect finished at; -1 before the first event. */
        private long lastDone = -1;
        private boolean started;
        private int last = -1;
        private int line;
        private int nextCallId = 1;
        private int nextRemotePort = FIRST_REMOTE_PORT;

        Run(Script script, Backend backend) {
            this.script = script;
            this.backend = backend;
            this.file = script.path();
            this.events = script.events();
            this.start = new long[events.size()];
            this.end = new long[events.size()];
            this.offset = new long[events.size()];
            this.python = new PythonBlocks(file);
            primeOptionComparisons();
        }

        /**
         * A record's first equals() bootstraps its method handles, which takes milliseconds in a
         * fresh JVM: done here, before time 0, for every option this script expects, rather than
         * while a live packet is being checked (it would delay every later event).
         */
        private void primeOptionComparisons() {
            for (Event ev : events) {
                if (ev.action() instanceof Action.TcpPacket p && p.options() != null) {
                    for (TcpOption o : p.options()) o.equals(o);
                }
            }
        }

        ScriptResult execute() {
            try (backend) {
                settings = base.forScript(script, toleranceOverride);
                for (Script.HeaderOption o : script.options()) {
                    if (RunSettings.WITHOUT_EFFECT.contains(o.name())) {
                        notes.add("line " + o.line() + ": --" + o.name() + " has no effect here");
                    }
                }
                line = script.options().isEmpty() ? 1 : script.options().get(0).line();
                backend.start(new Backend.Config(settings.localIp(), settings.remoteIp(), settings.gatewayIp(),
                    settings.prefixLength(), settings.bindPort(), settings.mtu(), Map.of()));
                started = true;
                ShellCommands shell = new ShellCommands(backend,
                    ShellCommands.isKernelSelftest(Path.of(file).toAbsolutePath().toString()), notes::add);
                if (script.init() != null) {
                    line = script.init().line();
                    shell.run(script.init().command(), file, line);
                }
                liveStart = backend.nowMicros();
                for (int i = 0; i < events.size(); i++) runEvent(i, shell);
                finish(shell);
                return result(Verdict.PASS, null);
            } catch (ScriptError e) {
                log.add(new LogEntry(e.line(), "fail", e.getMessage(), now(), e.getMessage()));
                return result(e.verdict(), new ScriptResult.Failure(e.line(), e.getMessage(), e.detail()));
            } catch (BackendException e) {
                return error(file + ":" + line + ": backend error: " + e.getMessage());
            } catch (RuntimeException e) {
                // A bug in a backend (or here) ends this script, not the whole run.
                return error(file + ":" + line + ": internal error: " + e);
            }
        }

        private ScriptResult error(String msg) {
            log.add(new LogEntry(line, "fail", msg, started ? now() : 0, msg));
            return result(Verdict.ERROR, new ScriptResult.Failure(line, msg, List.of()));
        }

        private ScriptResult result(Verdict v, ScriptResult.Failure f) {
            return new ScriptResult(file, backend.name(), v, f, notes, log);
        }

        private long now() {
            return started ? backend.nowMicros() - liveStart : 0;
        }

        private void finish(ShellCommands shell) throws ScriptError, BackendException {
            if (inFlight != null && !awaitIdle()) {
                line = events.get(inFlight.event()).line();
                throw new ScriptError(file, line, "runtime error: exiting while a blocking system call is in progress");
            }
            for (Backend.Outbound o : pending) {
                notes.add(String.format(Locale.ROOT, "unchecked outbound packet at %s sec after the last event: %s",
                    secs(o.timeMicros() - liveStart), o.packet()));
            }
            if (script.cleanup() != null) {
                line = script.cleanup().line();
                shell.run(script.cleanup().command(), file, line);
            }
            python.execute();
        }

        // ---- events and time ----

        private void runEvent(int i, ShellCommands shell) throws ScriptError, BackendException {
            Event ev = events.get(i);
            line = ev.line();
            if (i == 0 && rawStart(ev.time()) != 0) throw new ScriptError(file, line, "first event should be at time 0");
            if (last >= 0 && isAbsolute(events.get(last).time()) && isAbsolute(ev.time())
                && rawStart(ev.time()) < start[last]) {
                throw new ScriptError(file, line, "time goes backward in script from " + start[last] + " usec to "
                    + rawStart(ev.time()) + " usec");
            }
            adjustRelativeTimes(i);
            Action a = ev.action();
            if (a instanceof Action.TcpPacket p && p.direction() == Direction.OUTBOUND) {
                outbound(i, p);
            } else if (a instanceof Action.TcpPacket p) {
                inbound(i, p);
            } else if (a instanceof Action.IcmpPacket p) {
                inboundIcmp(i, p);
            } else if (a instanceof Action.SyscallSpec s) {
                syscall(i, s);
            } else if (a instanceof Action.ShellCommand c) {
                waitForEvent(i, "command");
                shell.run(c.command(), file, line);
                lastDone = now();
                log.add(entryAt("cmd", "`" + c.command().strip() + "`", lastDone));
            } else if (a instanceof Action.PythonCode c) {
                waitForEvent(i, "data collection for code");
                if (underTest == null || underTest.liveFd < 0) {
                    throw new ScriptError(file, line, "runtime error in code: no socket to use for code");
                }
                python.add(line, c.code(), backend.tcpInfo(underTest.liveFd));
                lastDone = now();
                log.add(entryAt("code", "%{ " + c.code().strip() + " }%", lastDone));
            }
            last = i;
        }

        private static long rawStart(EventTime t) {
            if (t instanceof EventTime.Absolute a) return a.usecs();
            if (t instanceof EventTime.Relative r) return r.usecs();
            if (t instanceof EventTime.AbsoluteRange r) return r.startUsecs();
            if (t instanceof EventTime.RelativeRange r) return r.startUsecs();
            return 0;
        }

        private static boolean isAbsolute(EventTime t) {
            return t instanceof EventTime.Absolute || t instanceof EventTime.AbsoluteRange;
        }

        private boolean anchored(int i) {
            Action a = events.get(i).action();
            return (a instanceof Action.TcpPacket p && p.direction() == Direction.INBOUND)
                || (a instanceof Action.IcmpPacket q && q.direction() == Direction.INBOUND);
        }

        /** run.c adjust_relative_event_times(). */
        private void adjustRelativeTimes(int i) {
            Event ev = events.get(i);
            EventTime t = ev.time();
            long off = 0;
            if (t instanceof EventTime.Relative || t instanceof EventTime.RelativeRange || t instanceof EventTime.AnyTime) {
                off = last >= 0 && anchored(last) && anchored(i) ? start[last] : lastDone >= 0 ? lastDone : now();
            }
            offset[i] = off;
            start[i] = rawStart(t) + (isAbsolute(t) ? 0 : off);
            if (t instanceof EventTime.AbsoluteRange r) end[i] = r.endUsecs();
            if (t instanceof EventTime.RelativeRange r) end[i] = r.endUsecs() + off;
            if (ev.action() instanceof Action.SyscallSpec s && s.blocking()) {
                end[i] = s.endUsecs() + (t instanceof EventTime.Relative ? off : 0);
            }
        }

        private Long lastEventTime() {
            return last >= 0 ? start[last] : null;
        }

        private long tolerance(long expected, Long lastTime) {
            long tol = settings.toleranceUsecs();
            if (lastTime != null) {
                long dynamic = (long) (settings.tolerancePercent() / 100.0 * (expected - lastTime));
                tol = Math.max(tol, dynamic);
            }
            return tol;
        }

        /** run.c verify_time(): null when on time, else packetdrill's timing error. */
        private String verifyTime(int i, long expected, long expectedEnd, long actual, Long lastTime, String what) {
            EventTime t = events.get(i).time();
            if (t instanceof EventTime.AnyTime) return null;
            long tol = tolerance(expected, lastTime);
            boolean range = t instanceof EventTime.AbsoluteRange || t instanceof EventTime.RelativeRange;
            if (range) {
                if (actual >= expected - tol && actual <= expectedEnd + tol) return null;
                if (t instanceof EventTime.AbsoluteRange) {
                    return String.format(Locale.ROOT, "timing error: expected %s in time range %s~%s sec but "
                        + "happened at %s sec", what, secs(expected), secs(expectedEnd), secs(actual));
                }
                return String.format(Locale.ROOT, "timing error: expected %s in relative time range +%s~+%s sec "
                        + "but happened at %+.6f sec", what, secs(expected - offset[i]), secs(expectedEnd - offset[i]),
                    (actual - offset[i]) / 1e6);
            }
            if (actual >= expected - tol && actual <= expected + tol) return null;
            return String.format(Locale.ROOT, "timing error: expected %s at %s sec but happened at %s sec; "
                + "tolerance %s sec", what, secs(expected), secs(actual), secs(tol));
        }

        /** run.c wait_for_event(): let time pass to the event's start, then check it is not late. */
        private void waitForEvent(int i, String what) throws ScriptError, BackendException {
            while (true) {
                Backend.Observed o = backend.next(liveStart + start[i]);
                if (o == null) break;
                observed(o);
            }
            if (i > 0) {
                String err = verifyTime(i, start[i], end[i], now(), lastEventTime(), what);
                if (err != null) throw ScriptError.failure(file, line, err, List.of());
            }
        }

        private void observed(Backend.Observed o) throws ScriptError, BackendException {
            if (o instanceof Backend.Outbound out) {
                pending.addLast(out);
            } else {
                completeBlocking((Backend.CallDone) o);
            }
        }

        private LogEntry entryAt(String kind, String text, long time) {
            return new LogEntry(line, kind, text, time, text);
        }

        // ---- packets ----

        /** run_packet.c find_or_create_socket_for_script_packet(). */
        private Sock socketFor(boolean tcp, boolean inbound, int flags, long seq) throws ScriptError {
            if (tcp && inbound && (underTest == null || underTest.state == SockState.PASSIVE_LISTENING)) {
                Sock child = new Sock(-1, -1);
                child.state = SockState.PASSIVE_PACKET_RECEIVED;
                child.remoteIp = settings.remoteIp();
                child.remotePort = nextRemotePort++;
                child.localIp = settings.localIp();
                child.localPort = settings.bindPort();
                child.liveRemoteIsn = (int) seq;
                fds.add(0, child);
                underTest = child;
                return child;
            }
            boolean syn = (flags & Skb.SYN) != 0, ack = (flags & Skb.ACK) != 0;
            if (tcp && !inbound && syn && !ack && underTest != null && underTest.state == SockState.ACTIVE_CONNECTING) {
                underTest.state = SockState.ACTIVE_SYN_SENT;
                underTest.scriptLocalIsn = (int) seq;
                return underTest;
            }
            if (underTest != null) return underTest;
            throw new ScriptError(file, line, "error handling packet: no matching socket for script packet");
        }

        private void inbound(int i, Action.TcpPacket p) throws ScriptError, BackendException {
            Sock s = socketFor(true, true, p.flags(), p.seq());
            waitForEvent(i, "inbound packet");
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
            backend.inject(live);
            lastDone = now();
            log.add(entryAt("<", PacketText.script(p), lastDone));
        }

        /** run_packet.c map_inbound_packet(): the live TSval a script TS ecr refers to. */
        private int liveTsEcr(Sock s, int scriptEcr) throws ScriptError {
            Integer live = s.tsValMap.get(scriptEcr);
            if (live != null) return live;
            if (settings.tsEcrScaled() && s.foundFirstTs) return scriptEcr - s.firstScriptTsVal + s.firstActualTsVal;
            throw new ScriptError(file, line, "error handling packet: unable to infer live TS ecr for script TS ecr "
                + Integer.toUnsignedString(scriptEcr) + "; no matching or preceding outbound TS val");
        }

        private static TcpOption.Sack offsetSack(TcpOption.Sack sack, int off) {
            List<TcpOption.SackBlock> blocks = new ArrayList<>();
            for (TcpOption.SackBlock b : sack.blocks()) blocks.add(new TcpOption.SackBlock(b.start() + off, b.end() + off));
            return new TcpOption.Sack(blocks);
        }

        private void inboundIcmp(int i, Action.IcmpPacket p) throws ScriptError, BackendException {
            Sock s = socketFor(false, true, 0, 0);
            waitForEvent(i, "inbound packet");
            Skb quoted = new Skb(s.localIp, s.remoteIp, s.localPort, s.remotePort, (int) p.echoedSeq() + s.liveLocalIsn,
                0, 0, 0, List.of(), p.echoedPayload(), 0);
            backend.inject(new Icmp(s.remoteIp, s.localIp, p.type(), p.code(), Math.max(p.mtu(), 0), quoted));
            lastDone = now();
            log.add(entryAt("<", p.text(), lastDone));
        }

        private void outbound(int i, Action.TcpPacket p) throws ScriptError, BackendException {
            Sock s = socketFor(true, false, p.flags(), p.seq());
            boolean synAck = (p.flags() & (Skb.SYN | Skb.ACK)) == (Skb.SYN | Skb.ACK);
            if (s.state == SockState.PASSIVE_PACKET_RECEIVED && synAck) s.scriptLocalIsn = (int) p.seq();
            EventTime t = events.get(i).time();
            long tol = tolerance(start[i], lastEventTime());
            boolean any = t instanceof EventTime.AnyTime;
            long deadline = any ? now() + ANY_TIME_WAIT_USECS
                : (t instanceof EventTime.AbsoluteRange || t instanceof EventTime.RelativeRange ? end[i] : start[i]) + tol;
            Backend.Outbound live = sniff(s, deadline);
            if (live == null && !any) live = sniff(s, deadline + LATE_GRACE_USECS);
            if (live == null) {
                String expectedAt = any ? "any time" : "at " + secs(start[i]) + " sec";
                throw ScriptError.failure(file, line, "error handling packet: timed out waiting for packet: outbound "
                    + "packet expected " + expectedAt + ", none seen by " + secs(now()) + " sec",
                    List.of("script packet: " + secs(start[i]) + " " + PacketText.script(p)));
            }
            lastDone = now();
            Skb skb = (Skb) live.packet();
            if (s.state == SockState.PASSIVE_PACKET_RECEIVED && synAck) {
                s.state = SockState.PASSIVE_SYNACK_SENT;
                s.liveLocalIsn = skb.seq();
            }
            Skb actual = toScriptSpace(s, skb, p, true);
            long actualTime = live.timeMicros() - liveStart;
            String text = PacketText.actual(actual, true);
            log.add(new LogEntry(line, ">", text, actualTime, PacketText.actual(actual, settings.tsTickUsecs() != 0)));
            String err = verifyFields(p, actual, start[i]);
            if (err != null && expectedComesLater(s, p, start[i])) {
                err = "unexpected outbound packet " + text + " (" + err + "); the expected packet came after it";
            }
            if (err == null) err = verifyTime(i, start[i], end[i], actualTime, lastEventTime(), "outbound packet");
            if (err != null) {
                throw ScriptError.failure(file, line, "error handling packet: " + err, List.of(
                    "script packet: " + secs(start[i]) + " " + PacketText.script(p),
                    "actual packet: " + secs(actualTime) + " " + text));
            }
        }

        /**
         * Whether a packet the stack has already sent after the mismatching one is the one the
         * script expects (looking only at what is there now, without letting time pass).
         */
        private boolean expectedComesLater(Sock s, Action.TcpPacket p, long eventTime)
            throws ScriptError, BackendException {
            for (Backend.Observed o = backend.next(backend.nowMicros()); o != null; o = backend.next(backend.nowMicros())) {
                observed(o);
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
                    notes.add(String.format(Locale.ROOT, "line %d: ignored outbound packet at %s sec, not for the "
                        + "socket under test: %s", line, secs(o.timeMicros() - liveStart), o.packet()));
                }
                Backend.Observed o = backend.next(liveStart + deadline);
                if (o == null) return null;
                observed(o);
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
                if (e instanceof TcpOption.Timestamp ets && settings.tsTickUsecs() != 0) {
                    TcpOption.Timestamp ats = (TcpOption.Timestamp) a;
                    long tol = tolerance(eventTime, 0L);
                    long dev = Math.abs((long) (ats.val() - ets.val())) * settings.tsTickUsecs();
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

        // ---- system calls ----

        private void syscall(int i, Action.SyscallSpec spec) throws ScriptError, BackendException {
            if (spec.blocking()) {
                if (inFlight != null && !awaitIdle()) {
                    throw new ScriptError(file, line, "runtime error in " + spec.name() + " call: blocking system call "
                        + "while another blocking system call is already in progress");
                }
                waitForEvent(i, "system call start");
                Prepared prep = prepare(spec);
                int id = nextCallId++;
                long called = now();
                SyscallResult r = backend.syscall(id, prep.call(), true);
                lastDone = now();
                log.add(entryAt("call", PacketText.call(spec) + " ...", called));
                inFlight = new InFlight(id, i, spec, prep);
                if (r != null) completeBlocking(new Backend.CallDone(backend.nowMicros(), id, r));
            } else {
                if (inFlight != null) awaitIdle();
                waitForEvent(i, "system call start");
                Prepared prep = prepare(spec);
                SyscallResult r = backend.syscall(nextCallId++, prep.call(), false);
                lastDone = now();
                if (r == null) {
                    throw new ScriptError(file, line, "runtime error in " + spec.name() + " call: the backend gave no "
                        + "result for a call that must not block");
                }
                finishCall(spec, prep, r, line, lastDone);
            }
        }

        /** run_system_call.c await_idle_thread(): false if the blocking call is still running after 1 s. */
        private boolean awaitIdle() throws ScriptError, BackendException {
            long deadline = now() + AWAIT_IDLE_USECS;
            while (inFlight != null) {
                Backend.Observed o = backend.next(liveStart + deadline);
                if (o == null) return false;
                observed(o);
            }
            return true;
        }

        private void completeBlocking(Backend.CallDone done) throws ScriptError, BackendException {
            InFlight f = inFlight;
            if (f == null || f.callId() != done.callId()) {
                throw new ScriptError(file, line, "backend error: completion of unknown call " + done.callId());
            }
            inFlight = null;
            int callLine = events.get(f.event()).line();
            long actual = done.timeMicros() - liveStart;
            int current = line;
            line = callLine;
            try {
                finishCall(f.spec(), f.prepared(), done.result(), callLine, actual);
                String err = verifyTime(f.event(), end[f.event()], 0, actual, start[f.event()], "system call return");
                if (err != null) throw ScriptError.failure(file, callLine, err, List.of());
            } finally {
                line = current;
            }
        }

        /** run_system_call.c end_syscall() and the per-call bookkeeping after it. */
        private void finishCall(Action.SyscallSpec spec, Prepared prep, SyscallResult r, int callLine, long time)
            throws ScriptError {
            long expected = eval(spec.result(), spec.name(), callLine);
            String shown = r.ret() >= 0 && prep.mode() == Check.FD && expected >= 0 ? Long.toString(expected)
                : Long.toString(r.ret());
            String text = PacketText.call(spec) + " = " + shown + (r.errno() == null || r.ret() >= 0 ? "" : " " + r.errno());
            log.add(new LogEntry(callLine, spec.blocking() ? "return" : "call", text, time, text));
            String err = null;
            if (prep.mode() == Check.FD && expected >= 0) {
                if (r.ret() < 0) err = "Expected non-negative result but got " + r.ret() + errnoText(r);
            } else if (r.ret() != expected) {
                err = "Expected result " + expected + " but got " + r.ret() + errnoText(r);
            }
            if (err == null && spec.errno() != null) {
                Integer want = LinuxConstants.ERRNO.get(spec.errno());
                if (want == null) throw new ScriptError(file, callLine, "runtime error in " + spec.name()
                    + " call: unknown errno symbol " + spec.errno());
                Integer got = r.errno() == null ? Integer.valueOf(0) : LinuxConstants.ERRNO.get(r.errno());
                if (!want.equals(got)) {
                    err = "Expected errno " + want + " (" + spec.errno() + ") but got "
                        + (r.errno() == null ? "0 (no error)" : (got == null ? "?" : got) + " (" + r.errno() + ")");
                }
            }
            if (err != null) {
                throw ScriptError.failure(file, callLine, "runtime error in " + spec.name() + " call: " + err, List.of());
            }
            prep.after().apply(r, expected);
        }

        private String errnoText(SyscallResult r) {
            if (r.errno() == null) return "";
            Integer n = LinuxConstants.ERRNO.get(r.errno());
            return " with errno " + (n == null ? "?" : n) + " (" + r.errno() + ")";
        }

        private Prepared prepare(Action.SyscallSpec spec) throws ScriptError {
            List<Expr> a = spec.args();
            String name = spec.name();
            After none = (r, e) -> { };
            switch (name) {
                case "socket": {
                    count(spec, 3);
                    long domain = a.get(0) instanceof Expr.Ellipsis ? AF_INET : eval(a.get(0), name, line);
                    return new Prepared(call(name, new Arg.Int(domain), intArg(a.get(1), name),
                        intArg(a.get(2), name)), Check.FD, this::afterSocket);
                }
                case "bind": {
                    count(spec, 3);
                    return new Prepared(call(name, fdArg(a.get(0), name),
                        sockaddr(a.get(1), settings.localIp(), settings.bindPort(), name), lenArg(a.get(2), name)),
                        Check.EXACT, none);
                }
                case "listen": {
                    count(spec, 2);
                    int scriptFd = scriptFd(a.get(0), name);
                    return new Prepared(call(name, fdArg(a.get(0), name), intArg(a.get(1), name)), Check.EXACT,
                        (r, e) -> {
                            if (lookup(scriptFd, name) instanceof Sock s) s.state = SockState.PASSIVE_LISTENING;
                        });
                }
                case "accept": {
                    count(spec, 3);
                    return new Prepared(call(name, fdArg(a.get(0), name), ellipsisOrValue(a.get(1), name),
                        ellipsisOrValue(a.get(2), name)), Check.FD, this::afterAccept);
                }
                case "connect": {
                    count(spec, 3);
                    Arg fd = fdArg(a.get(0), name);
                    Arg addr = connectAddress(scriptFd(a.get(0), name), a.get(1), name);
                    return new Prepared(call(name, fd, addr, lenArg(a.get(2), name)), Check.EXACT, none);
                }
                case "read":
                case "write": {
                    count(spec, 3);
                    return new Prepared(call(name, fdArg(a.get(0), name), buffer(a.get(1), name),
                        intArg(a.get(2), name)), Check.EXACT, none);
                }
                case "recv":
                case "send": {
                    count(spec, 4);
                    return new Prepared(call(name, fdArg(a.get(0), name), buffer(a.get(1), name),
                        intArg(a.get(2), name), intArg(a.get(3), name)), Check.EXACT, none);
                }
                case "sendto": {
                    count(spec, 6);
                    Arg fd = fdArg(a.get(0), name);
                    Arg buf = buffer(a.get(1), name);
                    Arg len = intArg(a.get(2), name);
                    Arg flags = intArg(a.get(3), name);
                    Arg addr = connectAddress(scriptFd(a.get(0), name), a.get(4), name);
                    return new Prepared(call(name, fd, buf, len, flags, addr, lenArg(a.get(5), name)), Check.EXACT, none);
                }
                case "recvfrom": {
                    count(spec, 6);
                    return new Prepared(call(name, fdArg(a.get(0), name), buffer(a.get(1), name),
                        intArg(a.get(2), name), intArg(a.get(3), name), ellipsisOrValue(a.get(4), name),
                        ellipsisOrValue(a.get(5), name)), Check.EXACT, none);
                }
                case "readv":
                case "writev": {
                    count(spec, 3);
                    return new Prepared(call(name, fdArg(a.get(0), name), value(a.get(1), name),
                        intArg(a.get(2), name)), Check.EXACT, none);
                }
                case "sendmsg":
                case "recvmsg": {
                    count(spec, 3);
                    Arg fd = fdArg(a.get(0), name);
                    Arg msg = msghdr(scriptFd(a.get(0), name), a.get(1), name.equals("sendmsg"), name);
                    return new Prepared(call(name, fd, msg, intArg(a.get(2), name)), Check.EXACT, none);
                }
                case "fcntl": {
                    if (a.size() != 2 && a.size() != 3) count(spec, 3);
                    List<Arg> args = new ArrayList<>(List.of(fdArg(a.get(0), name), intArg(a.get(1), name)));
                    if (a.size() == 3) args.add(intArg(a.get(2), name));
                    return new Prepared(new Backend.Syscall(name, args), Check.EXACT, none);
                }
                case "close": {
                    count(spec, 1);
                    int scriptFd = scriptFd(a.get(0), name);
                    Fd fd = lookup(scriptFd, name);
                    return new Prepared(call(name, new Arg.Int(fd.liveFd)), Check.EXACT, (r, e) -> fd.closed = true);
                }
                case "shutdown": {
                    count(spec, 2);
                    return new Prepared(call(name, fdArg(a.get(0), name), intArg(a.get(1), name)), Check.EXACT, none);
                }
                case "setsockopt": {
                    count(spec, 5);
                    return new Prepared(call(name, fdArg(a.get(0), name), intArg(a.get(1), name), intArg(a.get(2), name),
                        value(a.get(3), name), intArg(a.get(4), name)), Check.EXACT, none);
                }
                case "getsockopt": {
                    count(spec, 5);
                    Arg optval = value(a.get(3), name);
                    Arg optlen = value(a.get(4), name);
                    return new Prepared(call(name, fdArg(a.get(0), name), intArg(a.get(1), name), intArg(a.get(2), name),
                        optval, optlen), Check.EXACT, (r, e) -> {
                            checkOut(name, "optval", optval, r);
                            checkOut(name, "optlen", optlen, r);
                        });
                }
                case "poll": {
                    count(spec, 3);
                    return poll(spec);
                }
                case "epoll_create": {
                    count(spec, 1);
                    return new Prepared(call(name, intArg(a.get(0), name)), Check.FD, (r, e) -> newFd(r, e, name));
                }
                case "epoll_ctl": {
                    count(spec, 4);
                    return new Prepared(call(name, fdArg(a.get(0), name), intArg(a.get(1), name), fdArg(a.get(2), name),
                        epollEvent(a.get(3), name)), Check.EXACT, none);
                }
                case "epoll_wait": {
                    count(spec, 4);
                    Arg.Struct ev = epollEvent(a.get(1), name);
                    return new Prepared(call(name, fdArg(a.get(0), name), ev, intArg(a.get(2), name),
                        intArg(a.get(3), name)), Check.EXACT, (r, e) -> checkEpollWait(ev, r, name));
                }
                default:
                    throw new ScriptError(file, line, "runtime error in " + name + " call: Unknown system call: '"
                        + name + "'");
            }
        }

        private Backend.Syscall call(String name, Arg... args) {
            return new Backend.Syscall(name, List.of(args));
        }

        private void count(Action.SyscallSpec spec, int n) throws ScriptError {
            if (spec.args().size() != n) {
                throw new ScriptError(file, line, "runtime error in " + spec.name() + " call: Expected " + n
                    + " args but got " + spec.args().size());
            }
        }

        private ScriptError callError(String name, String what) {
            return new ScriptError(file, line, "runtime error in " + name + " call: " + what);
        }

        private void afterSocket(SyscallResult r, long expected) throws ScriptError {
            if (r.ret() < 0) return;
            if (expected < 0) throw callError("socket", "invalid socket fd " + expected + " in script");
            checkDuplicate((int) expected, (int) r.ret(), "socket");
            Sock s = new Sock((int) expected, (int) r.ret());
            fds.add(0, s);
            underTest = s;
        }

        /** run_system_call.c run_syscall_accept(): the newest child that has sent its SYN-ACK. */
        private void afterAccept(SyscallResult r, long expected) throws ScriptError {
            if (r.ret() < 0) return;
            for (Fd fd : fds) {
                if (fd instanceof Sock s && (s.state == SockState.PASSIVE_SYNACK_SENT
                    || s.state == SockState.PASSIVE_SYNACK_ACKED)) {
                    s.scriptFd = (int) expected;
                    s.liveFd = (int) r.ret();
                    return;
                }
            }
            throw callError("accept", "unable to find socket matching accept() call");
        }

        private void newFd(SyscallResult r, long expected, String name) throws ScriptError {
            if (r.ret() < 0) return;
            checkDuplicate((int) expected, (int) r.ret(), name);
            fds.add(0, new Fd((int) expected, (int) r.ret()));
        }

        private void checkDuplicate(int scriptFd, int liveFd, String name) throws ScriptError {
            for (Fd fd : fds) {
                if (fd.closed) continue;
                if (fd.scriptFd == scriptFd) throw callError(name, "duplicate fd " + scriptFd + " in script");
                if (fd.liveFd == liveFd) throw callError(name, "duplicate live fd " + liveFd);
            }
        }

        private Fd lookup(int scriptFd, String name) throws ScriptError {
            for (Fd fd : fds) if (!fd.closed && fd.scriptFd == scriptFd && scriptFd >= 0) return fd;
            throw callError(name, "unable to find fd with script fd " + scriptFd);
        }

        private int scriptFd(Expr e, String name) throws ScriptError {
            return (int) eval(e, name, line);
        }

        private Arg fdArg(Expr e, String name) throws ScriptError {
            return new Arg.Int(lookup(scriptFd(e, name), name).liveFd);
        }

        private Arg intArg(Expr e, String name) throws ScriptError {
            return new Arg.Int(eval(e, name, line));
        }

        private Arg lenArg(Expr e, String name) throws ScriptError {
            return e instanceof Expr.Ellipsis ? new Arg.Int(SOCKADDR_IN_LEN) : intArg(e, name);
        }

        private Arg ellipsisOrValue(Expr e, String name) throws ScriptError {
            return e instanceof Expr.Ellipsis ? new Arg.Ellipsis() : value(e, name);
        }

        /** run_system_call.c buffer_arg(): ... or NULL. */
        private Arg buffer(Expr e, String name) throws ScriptError {
            if (e instanceof Expr.Ellipsis) return new Arg.Ellipsis();
            if ((e instanceof Expr.Word w && w.name().equals("NULL")) || (e instanceof Expr.Int i && i.value() == 0)) {
                return new Arg.Null();
            }
            throw callError(name, "Expected ... or NULL for buffer");
        }

        /** A socket address: {@code ...} means the runner's, a family alone gives no address. */
        private Arg sockaddr(Expr e, int ip, int port, String name) throws ScriptError {
            if (e instanceof Expr.Ellipsis) return new Arg.Sockaddr(AF_INET, ip, port);
            if (e instanceof Expr.StructOf s) {
                Map<String, Expr> f = named(s);
                if (f.containsKey("sa_family") && f.containsKey("sin_port") && f.containsKey("sin_addr")) {
                    return new Arg.Sockaddr((int) eval(f.get("sa_family"), name, line),
                        (int) eval(f.get("sin_addr"), name, line), (int) eval(f.get("sin_port"), name, line));
                }
                throw callError(name, "Expected a sockaddr {sa_family=..., sin_port=htons(N), sin_addr=inet_addr(\"...\")}");
            }
            return new Arg.Sockaddr((int) eval(e, name, line), 0, 0);
        }

        /** run_system_call.c run_syscall_connect(): the address, and the socket's move to connecting. */
        private Arg connectAddress(int scriptFd, Expr addr, String name) throws ScriptError {
            Arg.Sockaddr sa = (Arg.Sockaddr) sockaddr(addr, settings.remoteIp(), settings.connectPort(), name);
            if (!(lookup(scriptFd, name) instanceof Sock s)) return sa;
            if (sa.family() == 0) {
                s.state = SockState.NEW;
                return sa;
            }
            if (s.state != SockState.NEW) return sa;
            s.state = SockState.ACTIVE_CONNECTING;
            s.remoteIp = settings.remoteIp();
            s.remotePort = settings.connectPort();
            s.localIp = 0;
            s.localPort = 0;
            return sa;
        }

        private Arg msghdr(int scriptFd, Expr e, boolean send, String name) throws ScriptError {
            if (!(e instanceof Expr.StructOf s)) throw callError(name, "Expected a msghdr {msg_name(...)=..., ...}");
            Map<String, Arg> fields = new LinkedHashMap<>();
            for (Expr item : s.items()) {
                if (!(item instanceof Expr.Named n)) throw callError(name, "Expected named msghdr fields");
                if (n.name().equals("msg_iov") && n.params().size() == 1 && n.value() instanceof Expr.ListOf iov
                    && eval(n.params().get(0), name, line) != iov.items().size()) {
                    throw callError(name, "msg_iovlen " + PacketText.expr(n.params().get(0)) + " does not match "
                        + iov.items().size() + "-element iovec array");
                }
                if (n.name().equals("msg_name")) {
                    fields.put("msg_name", send ? connectAddress(scriptFd, n.value(), name) : ellipsisOrValue(n.value(), name));
                } else {
                    fields.put(n.name(), value(n.value(), name));
                }
            }
            return new Arg.Struct(fields);
        }

        private Prepared poll(Action.SyscallSpec spec) throws ScriptError {
            String name = spec.name();
            List<Expr> a = spec.args();
            if (!(a.get(0) instanceof Expr.ListOf list)) throw callError(name, "Expected [{fd=..., events=...}]");
            List<Arg> items = new ArrayList<>();
            List<Long> expectedRevents = new ArrayList<>();
            for (Expr item : list.items()) {
                if (!(item instanceof Expr.StructOf s)) throw callError(name, "Expected {fd=..., events=...}");
                Map<String, Expr> f = named(s);
                if (!f.containsKey("fd") || !f.containsKey("events")) throw callError(name, "Expected {fd=..., events=...}");
                long revents = f.containsKey("revents") ? eval(f.get("revents"), name, line) : 0;
                Map<String, Arg> fields = new LinkedHashMap<>();
                fields.put("fd", fdArg(f.get("fd"), name));
                fields.put("events", intArg(f.get("events"), name));
                fields.put("revents", new Arg.Int(revents));
                items.add(new Arg.Struct(fields));
                expectedRevents.add(revents);
            }
            return new Prepared(call(name, new Arg.ArrayOf(items), intArg(a.get(1), name), intArg(a.get(2), name)),
                Check.EXACT, (r, e) -> {
                    for (int k = 0; k < expectedRevents.size(); k++) {
                        Long got = r.out().get("revents[" + k + "]");
                        if (got == null && k == 0) got = r.out().get("revents");
                        if (got == null) throw callError(name, "the backend reported no revents for pollfd " + k);
                        if (got.longValue() != expectedRevents.get(k)) {
                            throw ScriptError.failure(file, line, "runtime error in poll call: Expected revents of "
                                + pollFlags(expectedRevents.get(k)) + " but got " + pollFlags(got) + " for pollfd " + k,
                                List.of());
                        }
                    }
                });
        }

        private String pollFlags(long v) {
            if (v == 0) return "0";
            StringBuilder b = new StringBuilder();
            long rest = v;
            for (String n : List.of("POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM",
                "POLLRDBAND", "POLLWRNORM", "POLLWRBAND", "POLLRDHUP")) {
                long bit = LinuxConstants.VALUES.get(n);
                if ((v & bit) != 0) {
                    if (b.length() > 0) b.append('|');
                    b.append(n);
                    rest &= ~bit;
                }
            }
            if (rest != 0) b.append(b.length() > 0 ? "|" : "").append(String.format("0x%x", rest));
            return b.toString();
        }

        private Arg.Struct epollEvent(Expr e, String name) throws ScriptError {
            if (!(e instanceof Expr.StructOf s)) throw callError(name, "Expected {events=..., fd=...}");
            Map<String, Arg> fields = new LinkedHashMap<>();
            for (Map.Entry<String, Expr> f : named(s).entrySet()) {
                fields.put(f.getKey(), f.getKey().equals("fd") ? fdArg(f.getValue(), name) : intArg(f.getValue(), name));
            }
            return new Arg.Struct(fields);
        }

        private void checkEpollWait(Arg.Struct ev, SyscallResult r, String name) throws ScriptError {
            for (Map.Entry<String, Arg> f : ev.fields().entrySet()) {
                Long got = r.out().get(f.getKey());
                if (got == null) continue;
                long want = ((Arg.Int) f.getValue()).value();
                if (got != want) {
                    throw ScriptError.failure(file, line, "runtime error in " + name + " call: epoll_event->" + f.getKey()
                        + " does not match script: expected: " + want + " actual: " + got, List.of());
                }
            }
        }

        private void checkOut(String name, String key, Arg expected, SyscallResult r) throws ScriptError {
            if (!(expected instanceof Arg.IntArray arr) || arr.values().length != 1) return;
            Long got = r.out().get(key);
            if (got == null && key.equals("optlen")) return;
            if (got == null) throw callError(name, "the backend reported no " + key);
            if (got != arr.values()[0]) {
                throw ScriptError.failure(file, line, "runtime error in " + name + " call: Bad getsockopt " + key
                    + ": expected: " + arr.values()[0] + " actual: " + got, List.of());
            }
        }

        private Map<String, Expr> named(Expr.StructOf s) throws ScriptError {
            Map<String, Expr> m = new LinkedHashMap<>();
            for (Expr item : s.items()) {
                if (!(item instanceof Expr.Named n)) throw new ScriptError(file, line, "expected name=value in "
                    + PacketText.expr(s));
                m.put(n.name(), n.value());
            }
            return m;
        }

        /** A value the backend takes as it is: ints, arrays, structs, strings. */
        private Arg value(Expr e, String name) throws ScriptError {
            if (e instanceof Expr.Ellipsis) return new Arg.Ellipsis();
            if (e instanceof Expr.Word w && w.name().equals("NULL")) return new Arg.Null();
            if (e instanceof Expr.Str s) return new Arg.Bytes(decode(s.raw(), name));
            if (e instanceof Expr.ListOf l) {
                boolean ints = true;
                for (Expr item : l.items()) ints &= isInt(item);
                if (ints) {
                    long[] v = new long[l.items().size()];
                    for (int k = 0; k < v.length; k++) v[k] = eval(l.items().get(k), name, line);
                    return new Arg.IntArray(v);
                }
                List<Arg> items = new ArrayList<>();
                for (Expr item : l.items()) items.add(value(item, name));
                return new Arg.ArrayOf(items);
            }
            if (e instanceof Expr.StructOf s) {
                Map<String, Arg> fields = new LinkedHashMap<>();
                int k = 0;
                for (Expr item : s.items()) {
                    if (item instanceof Expr.Named n) {
                        fields.put(n.name(), value(n.value(), name));
                    } else {
                        String key = k == 0 && s.items().size() == 2 && item instanceof Expr.Ellipsis ? "iov_base"
                            : k == 1 && s.items().size() == 2 && s.items().get(0) instanceof Expr.Ellipsis ? "iov_len"
                            : Integer.toString(k);
                        fields.put(key, value(item, name));
                    }
                    k++;
                }
                return new Arg.Struct(fields);
            }
            return new Arg.Int(eval(e, name, line));
        }

        private static boolean isInt(Expr e) {
            return e instanceof Expr.Int || (e instanceof Expr.Word w && !w.name().equals("NULL"))
                || e instanceof Expr.Or || e instanceof Expr.Call;
        }

        /** An integer expression: literals, symbols from {@link LinuxConstants}, {@code |}, htons, inet_addr. */
        private long eval(Expr e, String name, int at) throws ScriptError {
            if (e instanceof Expr.Int i) return i.value();
            if (e instanceof Expr.Word w) {
                if (w.name().equals("NULL")) return 0;
                Long v = LinuxConstants.VALUES.get(w.name());
                if (v == null) throw new ScriptError(file, at, "runtime error in " + name + " call: unknown symbol '"
                    + w.name() + "'");
                return v;
            }
            if (e instanceof Expr.Or o) return eval(o.left(), name, at) | eval(o.right(), name, at);
            if (e instanceof Expr.Call c && c.function().equals("htons") && c.args().size() == 1) {
                return eval(c.args().get(0), name, at);
            }
            if (e instanceof Expr.Call c && c.function().equals("inet_addr") && c.args().size() == 1
                && c.args().get(0) instanceof Expr.Str s) {
                try {
                    return Integer.toUnsignedLong(Skb.ip(s.raw()));
                } catch (IllegalArgumentException ex) {
                    throw new ScriptError(file, at, "runtime error in " + name + " call: " + ex.getMessage());
                }
            }
            throw new ScriptError(file, at, "runtime error in " + name + " call: Bad type; expected an integer, found "
                + PacketText.expr(e));
        }

        /** C string escapes: \xHH, \NNN, \n, \t, \r, \\, \". */
        private byte[] decode(String raw, String name) throws ScriptError {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int k = 0; k < raw.length(); k++) {
                char c = raw.charAt(k);
                if (c != '\\' || k + 1 >= raw.length()) {
                    out.write(c);
                    continue;
                }
                char n = raw.charAt(++k);
                switch (n) {
                    case 'x' -> {
                        int j = k + 1;
                        while (j < raw.length() && j < k + 3 && Character.digit(raw.charAt(j), 16) >= 0) j++;
                        if (j == k + 1) throw callError(name, "bad \\x escape in string");
                        out.write(Integer.parseInt(raw.substring(k + 1, j), 16));
                        k = j - 1;
                    }
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case 'r' -> out.write('\r');
                    default -> {
                        if (n >= '0' && n <= '7') {
                            int j = k;
                            while (j < raw.length() && j < k + 3 && raw.charAt(j) >= '0' && raw.charAt(j) <= '7') j++;
                            out.write(Integer.parseInt(raw.substring(k, j), 8));
                            k = j - 1;
                        } else {
                            out.write(n);
                        }
                    }
                }
            }
            return out.toByteArray();
        }
    }

    static String secs(long usecs) {
        return String.format(Locale.ROOT, "%.6f", usecs / 1e6);
    }
}
