package tcpsim.packetdrill;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpsim.net.Skb;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.Backend.SyscallResult;
import tcpsim.packetdrill.RunState.Fd;
import tcpsim.packetdrill.RunState.Sock;
import tcpsim.packetdrill.RunState.SockState;
import tcpsim.packetdrill.ScriptResult.LogEntry;

/**
 * The system call lines of a run, as gtests/net/packetdrill/run_system_call.c handles them: script
 * fds mapped to live ones, each call's arguments prepared for the backend, its result, errno and
 * out-values checked, and at most one blocking call in flight while later events run.
 */
final class RunSystemCalls {

    /** run_system_call.c await_idle_thread(): MAX_WAIT_SECS. */
    static final long AWAIT_IDLE_USECS = 1_000_000;

    private static final int AF_INET = 2;
    private static final int SOCKADDR_IN_LEN = 16;

    private enum Check { EXACT, FD }

    private interface After {
        void apply(SyscallResult r, long expected) throws ScriptError;
    }

    private record Prepared(Backend.Syscall call, Check mode, After after) {}

    private record InFlight(int callId, int event, Action.SyscallSpec spec, Prepared prepared) {}

    private final RunState st;
    private final ScriptRunner.Run loop;
    private InFlight inFlight;
    private int nextCallId = 1;

    RunSystemCalls(RunState st, ScriptRunner.Run loop) {
        this.st = st;
        this.loop = loop;
    }

    /** run_system_call.c syscalls_free(): the script may not end while a blocking call is running. */
    void syscallsFree() throws ScriptError, BackendException {
        if (inFlight != null && !awaitIdle()) {
            st.line = st.events.get(inFlight.event()).line();
            throw new ScriptError(st.file, st.line,
                "runtime error: exiting while a blocking system call is in progress");
        }
    }

    /** run_system_call.c run_system_call_event(). */
    void runSystemCallEvent(int i, Action.SyscallSpec spec) throws ScriptError, BackendException {
        if (spec.blocking()) {
            if (inFlight != null && !awaitIdle()) {
                throw new ScriptError(st.file, st.line, "runtime error in " + spec.name()
                    + " call: blocking system call while another blocking system call is already in progress");
            }
            loop.waitForEvent(i, "system call start");
            Prepared prep = prepare(spec);
            int id = nextCallId++;
            long called = st.now();
            SyscallResult r = st.backend.syscall(id, prep.call(), true);
            st.lastDone = st.now();
            st.log.add(st.entryAt("call", PacketText.call(spec) + " ...", called));
            inFlight = new InFlight(id, i, spec, prep);
            if (r != null) completeBlocking(new Backend.CallDone(st.backend.nowMicros(), id, r));
        } else {
            if (inFlight != null) awaitIdle();
            loop.waitForEvent(i, "system call start");
            Prepared prep = prepare(spec);
            SyscallResult r = st.backend.syscall(nextCallId++, prep.call(), false);
            st.lastDone = st.now();
            if (r == null) {
                throw new ScriptError(st.file, st.line, "runtime error in " + spec.name()
                    + " call: the backend gave no result for a call that must not block");
            }
            finishCall(spec, prep, r, st.line, st.lastDone);
        }
    }

    /** run_system_call.c await_idle_thread(): false if the blocking call is still running after 1 s. */
    private boolean awaitIdle() throws ScriptError, BackendException {
        long deadline = st.now() + AWAIT_IDLE_USECS;
        while (inFlight != null) {
            Backend.Observed o = st.backend.next(st.liveStart + deadline);
            if (o == null) return false;
            loop.observed(o);
        }
        return true;
    }

    /** A blocking call the backend reports returned: checked at its own line, its return against t_end. */
    void completeBlocking(Backend.CallDone done) throws ScriptError, BackendException {
        InFlight f = inFlight;
        if (f == null || f.callId() != done.callId()) {
            throw new ScriptError(st.file, st.line, "backend error: completion of unknown call " + done.callId());
        }
        inFlight = null;
        int callLine = st.events.get(f.event()).line();
        long actual = done.timeMicros() - st.liveStart;
        int current = st.line;
        st.line = callLine;
        try {
            finishCall(f.spec(), f.prepared(), done.result(), callLine, actual);
            String err = loop.verifyTime(f.event(), st.end[f.event()], 0, actual, st.start[f.event()],
                "system call return");
            if (err != null) throw ScriptError.failure(st.file, callLine, err, List.of());
        } finally {
            st.line = current;
        }
    }

    /** run_system_call.c end_syscall() and the per-call bookkeeping after it. */
    private void finishCall(Action.SyscallSpec spec, Prepared prep, SyscallResult r, int callLine, long time)
        throws ScriptError {
        long expected = eval(spec.result(), spec.name(), callLine);
        String shown = r.ret() >= 0 && prep.mode() == Check.FD && expected >= 0 ? Long.toString(expected)
            : Long.toString(r.ret());
        String text = PacketText.call(spec) + " = " + shown + (r.errno() == null || r.ret() >= 0 ? "" : " " + r.errno());
        st.log.add(new LogEntry(callLine, spec.blocking() ? "return" : "call", text, time, text));
        String err = null;
        if (prep.mode() == Check.FD && expected >= 0) {
            if (r.ret() < 0) err = "Expected non-negative result but got " + r.ret() + errnoText(r);
        } else if (r.ret() != expected) {
            err = "Expected result " + expected + " but got " + r.ret() + errnoText(r);
        }
        if (err == null && spec.errno() != null) {
            Integer want = LinuxConstants.ERRNO.get(spec.errno());
            if (want == null) throw new ScriptError(st.file, callLine, "runtime error in " + spec.name()
                + " call: unknown errno symbol " + spec.errno());
            Integer got = r.errno() == null ? Integer.valueOf(0) : LinuxConstants.ERRNO.get(r.errno());
            if (!want.equals(got)) {
                err = "Expected errno " + want + " (" + spec.errno() + ") but got "
                    + (r.errno() == null ? "0 (no error)" : (got == null ? "?" : got) + " (" + r.errno() + ")");
            }
        }
        if (err != null) {
            throw ScriptError.failure(st.file, callLine, "runtime error in " + spec.name() + " call: " + err,
                List.of());
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
                long domain = a.get(0) instanceof Expr.Ellipsis ? AF_INET : eval(a.get(0), name, st.line);
                return new Prepared(call(name, new Arg.Int(domain), intArg(a.get(1), name),
                    intArg(a.get(2), name)), Check.FD, this::afterSocket);
            }
            case "bind": {
                count(spec, 3);
                return new Prepared(call(name, fdArg(a.get(0), name),
                    sockaddr(a.get(1), st.settings.localIp(), st.settings.bindPort(), name), lenArg(a.get(2), name)),
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
                Arg iov = value(a.get(1), name);
                long iovCount = eval(a.get(2), name, st.line);
                int elements = a.get(1) instanceof Expr.ListOf l ? l.items().size() : -1;
                if (elements != iovCount) {
                    throw callError(name, "iov_count " + iovCount + " does not match " + elements
                        + "-element iovec array");
                }
                return new Prepared(call(name, fdArg(a.get(0), name), iov, new Arg.Int(iovCount)), Check.EXACT, none);
            }
            case "sendmsg":
            case "recvmsg": {
                count(spec, 3);
                boolean send = name.equals("sendmsg");
                Arg fd = fdArg(a.get(0), name);
                Arg.Struct msg = msghdr(scriptFd(a.get(0), name), a.get(1), send, name);
                return new Prepared(call(name, fd, msg, intArg(a.get(2), name)), Check.EXACT,
                    send ? none : (r, e) -> checkMsgFlags(msg, r));
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
                throw new ScriptError(st.file, st.line, "runtime error in " + name + " call: Unknown system call: '"
                    + name + "'");
        }
    }

    private Backend.Syscall call(String name, Arg... args) {
        return new Backend.Syscall(name, List.of(args));
    }

    private void count(Action.SyscallSpec spec, int n) throws ScriptError {
        if (spec.args().size() != n) {
            throw new ScriptError(st.file, st.line, "runtime error in " + spec.name() + " call: Expected " + n
                + " args but got " + spec.args().size());
        }
    }

    private ScriptError callError(String name, String what) {
        return new ScriptError(st.file, st.line, "runtime error in " + name + " call: " + what);
    }

    private void afterSocket(SyscallResult r, long expected) throws ScriptError {
        if (r.ret() < 0) return;
        if (expected < 0) throw callError("socket", "invalid socket fd " + expected + " in script");
        checkDuplicate((int) expected, (int) r.ret(), "socket");
        Sock s = new Sock((int) expected, (int) r.ret());
        st.fds.add(0, s);
        st.underTest = s;
    }

    /** run_system_call.c run_syscall_accept(): the newest child that has sent its SYN-ACK. */
    private void afterAccept(SyscallResult r, long expected) throws ScriptError {
        if (r.ret() < 0) return;
        for (Fd fd : st.fds) {
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
        st.fds.add(0, new Fd((int) expected, (int) r.ret()));
    }

    private void checkDuplicate(int scriptFd, int liveFd, String name) throws ScriptError {
        for (Fd fd : st.fds) {
            if (fd.closed) continue;
            if (fd.scriptFd == scriptFd) throw callError(name, "duplicate fd " + scriptFd + " in script");
            if (fd.liveFd == liveFd) throw callError(name, "duplicate live fd " + liveFd);
        }
    }

    private Fd lookup(int scriptFd, String name) throws ScriptError {
        for (Fd fd : st.fds) if (!fd.closed && fd.scriptFd == scriptFd && scriptFd >= 0) return fd;
        throw callError(name, "unable to find fd with script fd " + scriptFd);
    }

    private int scriptFd(Expr e, String name) throws ScriptError {
        return (int) eval(e, name, st.line);
    }

    private Arg fdArg(Expr e, String name) throws ScriptError {
        return new Arg.Int(lookup(scriptFd(e, name), name).liveFd);
    }

    private Arg intArg(Expr e, String name) throws ScriptError {
        return new Arg.Int(eval(e, name, st.line));
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
                return new Arg.Sockaddr((int) eval(f.get("sa_family"), name, st.line),
                    (int) eval(f.get("sin_addr"), name, st.line), (int) eval(f.get("sin_port"), name, st.line));
            }
            throw callError(name, "Expected a sockaddr {sa_family=..., sin_port=htons(N), sin_addr=inet_addr(\"...\")}");
        }
        return new Arg.Sockaddr((int) eval(e, name, st.line), 0, 0);
    }

    /** run_system_call.c run_syscall_connect(): the address, and the socket's move to connecting. */
    private Arg connectAddress(int scriptFd, Expr addr, String name) throws ScriptError {
        Arg.Sockaddr sa = (Arg.Sockaddr) sockaddr(addr, st.settings.remoteIp(), st.settings.connectPort(), name);
        if (!(lookup(scriptFd, name) instanceof Sock s)) return sa;
        if (sa.family() == 0) {
            s.state = SockState.NEW;
            return sa;
        }
        if (s.state != SockState.NEW) return sa;
        s.state = SockState.ACTIVE_CONNECTING;
        s.remoteIp = st.settings.remoteIp();
        s.remotePort = st.settings.connectPort();
        s.localIp = 0;
        s.localPort = 0;
        return sa;
    }

    /** run_system_call.c syscall_recvmsg(): msg_flags as the kernel left them, against the script's (0 if unwritten). */
    private void checkMsgFlags(Arg.Struct msg, SyscallResult r) throws ScriptError {
        if (r.ret() < 0) return; // a failed recvmsg leaves msg_flags as passed in, that is, as expected
        long want = msg.fields().get("msg_flags") instanceof Arg.Int i ? i.value() : 0;
        Long got = r.out().get("msg_flags");
        if (got == null) throw callError("recvmsg", "the backend reported no msg_flags");
        if ((int) want != got.intValue()) {
            throw ScriptError.failure(st.file, st.line, String.format(
                "runtime error in recvmsg call: Expected msg_flags 0x%08X but got 0x%08X", (int) want, got.intValue()),
                List.of());
        }
    }

    private Arg.Struct msghdr(int scriptFd, Expr e, boolean send, String name) throws ScriptError {
        if (!(e instanceof Expr.StructOf s)) throw callError(name, "Expected a msghdr {msg_name(...)=..., ...}");
        Map<String, Arg> fields = new LinkedHashMap<>();
        for (Expr item : s.items()) {
            if (!(item instanceof Expr.Named n)) throw callError(name, "Expected named msghdr fields");
            if (n.name().equals("msg_iov") && n.params().size() == 1 && n.value() instanceof Expr.ListOf iov
                && eval(n.params().get(0), name, st.line) != iov.items().size()) {
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
            long revents = f.containsKey("revents") ? eval(f.get("revents"), name, st.line) : 0;
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
                        throw ScriptError.failure(st.file, st.line, "runtime error in poll call: Expected revents of "
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
                throw ScriptError.failure(st.file, st.line, "runtime error in " + name + " call: epoll_event->"
                    + f.getKey() + " does not match script: expected: " + want + " actual: " + got, List.of());
            }
        }
    }

    private void checkOut(String name, String key, Arg expected, SyscallResult r) throws ScriptError {
        // A failed getsockopt leaves optval and optlen as passed in, that is, as the script expects.
        if (r.ret() < 0) return;
        if (!(expected instanceof Arg.IntArray arr) || arr.values().length != 1) return;
        Long got = r.out().get(key);
        if (got == null && key.equals("optlen")) return;
        if (got == null) throw callError(name, "the backend reported no " + key);
        if (got != arr.values()[0]) {
            throw ScriptError.failure(st.file, st.line, "runtime error in " + name + " call: Bad getsockopt " + key
                + ": expected: " + arr.values()[0] + " actual: " + got, List.of());
        }
    }

    private Map<String, Expr> named(Expr.StructOf s) throws ScriptError {
        Map<String, Expr> m = new LinkedHashMap<>();
        for (Expr item : s.items()) {
            if (!(item instanceof Expr.Named n)) throw new ScriptError(st.file, st.line, "expected name=value in "
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
                for (int k = 0; k < v.length; k++) v[k] = eval(l.items().get(k), name, st.line);
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
        return new Arg.Int(eval(e, name, st.line));
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
            if (v == null) throw new ScriptError(st.file, at, "runtime error in " + name + " call: unknown symbol '"
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
                throw new ScriptError(st.file, at, "runtime error in " + name + " call: " + ex.getMessage());
            }
        }
        throw new ScriptError(st.file, at, "runtime error in " + name + " call: Bad type; expected an integer, found "
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
