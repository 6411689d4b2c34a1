package tcpsim.packetdrill;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import tcpsim.packetdrill.Action.Direction;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
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
 * <p>The split follows packetdrill's: this class is run.c, the event loop (timing, tolerance, the
 * walk over the events, shell commands and Python blocks); {@code RunPackets} is run_packet.c and
 * {@code RunSystemCalls} is run_system_call.c; the three share one {@code RunState} (run.h struct
 * state).
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

    /** First remote port for passive connections (packetdrill takes one from the ephemeral range). */
    static final int FIRST_REMOTE_PORT = 48000;

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

    /** run.c: one run of a script, its events walked in order and timed. */
    final class Run {
        private final Script script;
        private final RunState st;
        private final RunPackets packets;
        private final RunSystemCalls calls;
        private final PythonBlocks python;
        private final long[] offset;
        private int last = -1;

        Run(Script script, Backend backend) {
            this.script = script;
            this.st = new RunState(script, backend);
            this.offset = new long[st.events.size()];
            this.python = new PythonBlocks(st.file);
            this.packets = new RunPackets(st, this);
            this.calls = new RunSystemCalls(st, this);
        }

        ScriptResult execute() {
            try (st.backend) {
                st.settings = base.forScript(script, toleranceOverride);
                for (Script.HeaderOption o : script.options()) {
                    if (RunSettings.WITHOUT_EFFECT.contains(o.name())) {
                        st.notes.add("line " + o.line() + ": --" + o.name() + " has no effect here");
                    }
                }
                st.line = script.options().isEmpty() ? 1 : script.options().get(0).line();
                for (Event ev : st.events) {
                    if (ev.action() instanceof Action.NotModelled n) {
                        st.line = ev.line();
                        throw new ScriptError(st.file, ev.line(), "not modelled: " + n.what());
                    }
                }
                st.backend.start(new Backend.Config(st.settings.localIp(), st.settings.remoteIp(),
                    st.settings.gatewayIp(), st.settings.prefixLength(), st.settings.bindPort(), st.settings.mtu(),
                    Map.of()));
                st.started = true;
                ShellCommands shell = new ShellCommands(st.backend,
                    ShellCommands.isKernelSelftest(Path.of(st.file).toAbsolutePath().toString()), st.notes::add);
                if (script.init() != null) {
                    st.line = script.init().line();
                    shell.run(script.init().command(), st.file, st.line);
                }
                st.liveStart = st.backend.nowMicros();
                for (int i = 0; i < st.events.size(); i++) runEvent(i, shell);
                finish(shell);
                return result(Verdict.PASS, null);
            } catch (ScriptError e) {
                st.log.add(new LogEntry(e.line(), "fail", e.getMessage(), st.now(), e.getMessage()));
                return result(e.verdict(), new ScriptResult.Failure(e.line(), e.getMessage(), e.detail()));
            } catch (BackendException e) {
                return error(st.file + ":" + st.line + ": backend error: " + e.getMessage());
            } catch (RuntimeException e) {
                // A bug in a backend (or here) ends this script, not the whole run.
                return error(st.file + ":" + st.line + ": internal error: " + e);
            }
        }

        private ScriptResult error(String msg) {
            st.log.add(new LogEntry(st.line, "fail", msg, st.started ? st.now() : 0, msg));
            return result(Verdict.ERROR, new ScriptResult.Failure(st.line, msg, List.of()));
        }

        private ScriptResult result(Verdict v, ScriptResult.Failure f) {
            return new ScriptResult(st.file, st.backend.name(), v, f, st.notes, st.log);
        }

        private void finish(ShellCommands shell) throws ScriptError, BackendException {
            calls.syscallsFree();
            packets.noteUnchecked();
            if (script.cleanup() != null) {
                st.line = script.cleanup().line();
                shell.run(script.cleanup().command(), st.file, st.line);
            }
            python.execute();
        }

        // ---- events and time ----

        private void runEvent(int i, ShellCommands shell) throws ScriptError, BackendException {
            Event ev = st.events.get(i);
            st.line = ev.line();
            if (i == 0 && rawStart(ev.time()) != 0) {
                throw new ScriptError(st.file, st.line, "first event should be at time 0");
            }
            if (last >= 0 && isAbsolute(st.events.get(last).time()) && isAbsolute(ev.time())
                && rawStart(ev.time()) < st.start[last]) {
                throw new ScriptError(st.file, st.line, "time goes backward in script from " + st.start[last]
                    + " usec to " + rawStart(ev.time()) + " usec");
            }
            adjustRelativeTimes(i);
            Action a = ev.action();
            if (a instanceof Action.TcpPacket p && p.direction() == Direction.OUTBOUND) {
                packets.outbound(i, p);
            } else if (a instanceof Action.TcpPacket p) {
                packets.inbound(i, p);
            } else if (a instanceof Action.IcmpPacket p) {
                packets.inboundIcmp(i, p);
            } else if (a instanceof Action.SyscallSpec s) {
                calls.runSystemCallEvent(i, s);
            } else if (a instanceof Action.ShellCommand c) {
                waitForEvent(i, "command");
                shell.run(c.command(), st.file, st.line);
                st.lastDone = st.now();
                st.log.add(st.entryAt("cmd", "`" + c.command().strip() + "`", st.lastDone));
            } else if (a instanceof Action.PythonCode c) {
                waitForEvent(i, "data collection for code");
                if (st.underTest == null || st.underTest.liveFd < 0) {
                    throw new ScriptError(st.file, st.line, "runtime error in code: no socket to use for code");
                }
                python.add(st.line, c.code(), st.backend.tcpInfo(st.underTest.liveFd));
                st.lastDone = st.now();
                st.log.add(st.entryAt("code", "%{ " + c.code().strip() + " }%", st.lastDone));
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
            Action a = st.events.get(i).action();
            return (a instanceof Action.TcpPacket p && p.direction() == Direction.INBOUND)
                || (a instanceof Action.IcmpPacket q && q.direction() == Direction.INBOUND);
        }

        /** run.c adjust_relative_event_times(). */
        private void adjustRelativeTimes(int i) {
            Event ev = st.events.get(i);
            EventTime t = ev.time();
            long off = 0;
            if (t instanceof EventTime.Relative || t instanceof EventTime.RelativeRange
                || t instanceof EventTime.AnyTime) {
                off = last >= 0 && anchored(last) && anchored(i) ? st.start[last]
                    : st.lastDone >= 0 ? st.lastDone : st.now();
            }
            offset[i] = off;
            st.start[i] = rawStart(t) + (isAbsolute(t) ? 0 : off);
            if (t instanceof EventTime.AbsoluteRange r) st.end[i] = r.endUsecs();
            if (t instanceof EventTime.RelativeRange r) st.end[i] = r.endUsecs() + off;
            if (ev.action() instanceof Action.SyscallSpec s && s.blocking()) {
                st.end[i] = s.endUsecs() + (t instanceof EventTime.Relative ? off : 0);
            }
        }

        Long lastEventTime() {
            return last >= 0 ? st.start[last] : null;
        }

        long tolerance(long expected, Long lastTime) {
            long tol = st.settings.toleranceUsecs();
            if (lastTime != null) {
                long dynamic = (long) (st.settings.tolerancePercent() / 100.0 * (expected - lastTime));
                tol = Math.max(tol, dynamic);
            }
            return tol;
        }

        /** run.c verify_time(): null when on time, else packetdrill's timing error. */
        String verifyTime(int i, long expected, long expectedEnd, long actual, Long lastTime, String what) {
            EventTime t = st.events.get(i).time();
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
        void waitForEvent(int i, String what) throws ScriptError, BackendException {
            while (true) {
                Backend.Observed o = st.backend.next(st.liveStart + st.start[i]);
                if (o == null) break;
                observed(o);
            }
            if (i > 0) {
                String err = verifyTime(i, st.start[i], st.end[i], st.now(), lastEventTime(), what);
                if (err != null) throw ScriptError.failure(st.file, st.line, err, List.of());
            }
        }

        void observed(Backend.Observed o) throws ScriptError, BackendException {
            if (o instanceof Backend.Outbound out) {
                packets.sniffed(out);
            } else {
                calls.completeBlocking((Backend.CallDone) o);
            }
        }
    }

    static String secs(long usecs) {
        return String.format(Locale.ROOT, "%.6f", usecs / 1e6);
    }
}
