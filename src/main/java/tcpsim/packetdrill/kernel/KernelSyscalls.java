package tcpsim.packetdrill.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.Backend.Config;
import tcpsim.packetdrill.Backend.Syscall;
import tcpsim.packetdrill.Backend.SyscallResult;
import tcpsim.packetdrill.LinuxConstants;

/**
 * Performs a script's system call on the live kernel through libc, in the agent's namespace.
 * Arguments are as packetdrill writes them, already resolved to numbers:
 * <ul>
 *   <li>buffers are {@code ...}: a zero-filled buffer of the given length is used; or
 *       {@code NULL}: the null pointer, whatever the length, so the kernel answers EFAULT;</li>
 *   <li>iovecs ({@code readv}, {@code writev}, {@code msg_iov}) are {@code [{..., len}, ...]}: one
 *       zero-filled buffer per element, as packetdrill's iovec_new() allocates them;</li>
 *   <li>a socket address that is {@code ...} means the script's own: {@code local_ip:port} for
 *       {@code bind}, {@code remote_ip:port} for {@code connect}, {@code sendto} and
 *       {@code msg_name}; a bare family number ({@code AF_UNSPEC}) is a zeroed address of that
 *       family;</li>
 *   <li>{@code socket}'s domain may be {@code ...} (AF_INET).</li>
 * </ul>
 * Out-values: {@code getsockopt} gives "optlen" and "optval" (the first int), or one value per
 * field for a struct such as {@code SO_LINGER}'s {@code {onoff, linger}}; {@code poll} gives
 * "revents[i]" per pollfd (and "revents" for the first); {@code epoll_wait} gives "events" and "data" (also under the data field's own name,
 * e.g. "fd"); {@code ioctl} with an int argument gives "arg"; {@code recvmsg} gives "msg_flags"
 * (as the kernel set them) and "msg_namelen".
 */
final class KernelSyscalls {
    private static final int AF_INET = 2, SOCKADDR_IN_LEN = 16;
    private static final int POLLFD_LEN = 8, EPOLL_EVENT_LEN = 12, MSGHDR_LEN = 56, IOVEC_LEN = 16;
    private static final int GETSOCKOPT_DEFAULT_LEN = 512;
    /** struct msghdr on LP64: msg_flags after msg_controllen. */
    private static final int MSGHDR_FLAGS = 48;
    private static final int SOCKADDR_STORAGE_LEN = 128;
    /** Larger than any buffer a script means to allocate: packetdrill's calloc() would fail too. */
    private static final long MAX_BUFFER = 64L << 20;

    private final Libc c = Libc.C;
    private final Config config;

    KernelSyscalls(Config config) {
        this.config = config;
    }

    SyscallResult run(Syscall call) throws BackendException {
        Args a = new Args(call);
        switch (call.name()) {
            case "socket":
                return ret(c.socket(a.isEllipsis(0) ? AF_INET : a.i(0), a.i(1), a.i(2)));
            case "bind": {
                Memory sa = a.sockaddr(1, config.localIp(), config.port());
                return ret(c.bind(a.i(0), sa, a.addrlen(2, sa)));
            }
            case "listen":
                return ret(c.listen(a.i(0), a.i(1)));
            case "accept":
                return ret(c.accept4(a.i(0), null, null, 0));
            case "accept4":
                return ret(c.accept4(a.i(0), null, null, a.i(3)));
            case "connect": {
                Memory sa = a.sockaddr(1, config.remoteIp(), config.port());
                return ret(c.connect(a.i(0), sa, a.addrlen(2, sa)));
            }
            case "close":
                return ret(c.close(a.i(0)));
            case "shutdown":
                return ret(c.shutdown(a.i(0), a.i(1)));
            case "read": {
                long n = a.l(2);
                return ret(c.read(a.i(0), a.buffer(1, n), n));
            }
            case "write": {
                long n = a.l(2);
                return ret(c.write(a.i(0), a.buffer(1, n), n));
            }
            case "recv": {
                long n = a.l(2);
                return ret(c.recv(a.i(0), a.buffer(1, n), n, a.i(3)));
            }
            case "send": {
                long n = a.l(2);
                return ret(c.send(a.i(0), a.buffer(1, n), n, a.i(3)));
            }
            case "sendto": {
                long n = a.l(2);
                Memory sa = a.sockaddr(4, config.remoteIp(), config.port());
                return ret(c.sendto(a.i(0), a.buffer(1, n), n, a.i(3), sa, a.addrlen(5, sa)));
            }
            case "recvfrom": {
                long n = a.l(2);
                Memory from = zeroed(SOCKADDR_STORAGE_LEN);
                IntByReference fromLen = new IntByReference(SOCKADDR_STORAGE_LEN);
                return ret(c.recvfrom(a.i(0), a.buffer(1, n), n, a.i(3), from, fromLen));
            }
            case "readv":
            case "writev": {
                Iovecs iov = iovecs(a, 1);
                long r = call.name().equals("readv") ? c.readv(a.i(0), iov.array(), a.i(2))
                    : c.writev(a.i(0), iov.array(), a.i(2));
                return ret(r);
            }
            case "recvmsg":
                return recvmsg(a);
            case "sendmsg":
                return sendmsg(a);
            case "setsockopt":
                return setsockopt(a);
            case "getsockopt":
                return getsockopt(a);
            case "fcntl":
                return ret(c.fcntl(a.i(0), a.i(1), a.size() > 2 ? a.l(2) : 0));
            case "ioctl":
                return ioctl(a);
            case "poll":
                return poll(a);
            case "epoll_create":
                return ret(c.epoll_create(a.i(0)));
            case "epoll_create1":
                return ret(c.epoll_create1(a.i(0)));
            case "epoll_ctl":
                return epollCtl(a);
            case "epoll_wait":
                return epollWait(a);
            default:
                throw new BackendException("kernel backend: unsupported system call " + call.name() + "()");
        }
    }

    /** getsockopt(TCP_INFO) decoded; see {@link TcpInfoLayout}. */
    Map<String, Long> tcpInfo(int fd) throws BackendException {
        Memory buf = new Memory(TcpInfoLayout.BUFFER_SIZE);
        buf.clear();
        IntByReference len = new IntByReference(TcpInfoLayout.BUFFER_SIZE);
        if (c.getsockopt(fd, 6 /* SOL_TCP */, 11 /* TCP_INFO */, buf, len) < 0) {
            throw new BackendException("getsockopt(" + fd + ", SOL_TCP, TCP_INFO) failed: "
                + LinuxConstants.errnoName(Native.getLastError()));
        }
        return TcpInfoLayout.decode(buf.getByteArray(0, len.getValue()), len.getValue());
    }

    private SyscallResult setsockopt(Args a) throws BackendException {
        Arg v = a.arg(3);
        Memory val = null;
        if (v instanceof Arg.IntArray ia) {
            val = ints(ia.values());
        } else if (v instanceof Arg.Int i) {
            val = ints(new long[] {i.value()});
        } else if (v instanceof Arg.Struct s) {
            val = ints(structInts(a, s));
        } else if (v instanceof Arg.Bytes b) {
            val = new Memory(Math.max(1, b.value().length));
            val.write(0, b.value(), 0, b.value().length);
        } else if (!(v instanceof Arg.Null)) {
            throw a.bad(3, "an int array, a struct, a string or NULL");
        }
        int len = a.isEllipsis(4) ? (v instanceof Arg.Bytes b ? b.value().length : val == null ? 0 : (int) val.size())
            : a.i(4);
        return ret(c.setsockopt(a.i(0), a.i(1), a.i(2), val, len));
    }

    private SyscallResult getsockopt(Args a) throws BackendException {
        Arg v = a.arg(3);
        int size = v instanceof Arg.IntArray ia ? 4 * Math.max(1, ia.values().length)
            : v instanceof Arg.Struct s ? 4 * s.fields().size()
            : v instanceof Arg.Bytes b ? Math.max(1, b.value().length)
            : GETSOCKOPT_DEFAULT_LEN;
        int len = a.isEllipsis(4) ? size : Math.min(size, a.i(4));
        Memory val = new Memory(size);
        val.clear();
        IntByReference optlen = new IntByReference(len);
        int r = c.getsockopt(a.i(0), a.i(1), a.i(2), val, optlen);
        if (r < 0) return error();
        Map<String, Long> out = new LinkedHashMap<>();
        int got = optlen.getValue();
        out.put("optlen", (long) got);
        if (v instanceof Arg.Struct s) {
            int off = 0;
            for (String field : s.fields().keySet()) {
                if (off + 4 <= got) out.put(field, (long) val.getInt(off));
                off += 4;
            }
        } else if (got >= 4) {
            out.put("optval", (long) val.getInt(0));
        }
        return new SyscallResult(r, null, out);
    }

    private SyscallResult ioctl(Args a) throws BackendException {
        Memory arg = new Memory(8);
        arg.clear();
        if (a.size() > 2 && a.arg(2) instanceof Arg.IntArray ia && ia.values().length > 0) arg.setInt(0, (int) ia.values()[0]);
        int r = c.ioctl(a.i(0), a.l(1), arg);
        if (r < 0) return error();
        return new SyscallResult(r, null, Map.of("arg", (long) arg.getInt(0)));
    }

    /**
     * poll() on the script's pollfd array ({@code [{fd=..., events=...}, ...]}, or one struct);
     * each entry's revents comes back as "revents[i]", the first also as "revents".
     */
    private SyscallResult poll(Args a) throws BackendException {
        List<Arg.Struct> fds = new ArrayList<>();
        if (a.arg(0) instanceof Arg.Struct s) {
            fds.add(s);
        } else if (a.arg(0) instanceof Arg.ArrayOf arr) {
            for (Arg item : arr.items()) {
                if (!(item instanceof Arg.Struct s)) throw a.bad(0, "an array of {fd=..., events=...} structs");
                fds.add(s);
            }
        } else {
            throw a.bad(0, "an array of {fd=..., events=...} structs");
        }
        Memory pfds = new Memory((long) POLLFD_LEN * Math.max(1, fds.size()));
        pfds.clear();
        for (int i = 0; i < fds.size(); i++) {
            pfds.setInt((long) POLLFD_LEN * i, (int) a.field(fds.get(i), 0, "fd"));
            pfds.setShort((long) POLLFD_LEN * i + 4, (short) a.field(fds.get(i), 0, "events"));
        }
        int r = c.poll(pfds, a.l(1), a.i(2));
        if (r < 0) return error();
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < fds.size(); i++) {
            long revents = pfds.getShort((long) POLLFD_LEN * i + 6) & 0xffff;
            out.put("revents[" + i + "]", revents);
            if (i == 0) out.put("revents", revents);
        }
        return new SyscallResult(r, null, out);
    }

    /** struct epoll_event is packed on x86-64: u32 events, u64 data. */
    private SyscallResult epollCtl(Args a) throws BackendException {
        Memory ev = null;
        if (a.arg(3) instanceof Arg.Struct s) {
            ev = new Memory(EPOLL_EVENT_LEN);
            ev.clear();
            ev.setInt(0, (int) a.field(s, 3, "events"));
            ev.setLong(4, s.fields().size() > 1 ? a.nth(s, 3, 1) : a.l(2));
        } else if (!(a.arg(3) instanceof Arg.Null)) {
            throw a.bad(3, "an {events=..., fd=...} struct or NULL");
        }
        return ret(c.epoll_ctl(a.i(0), a.i(1), a.i(2), ev));
    }

    private SyscallResult epollWait(Args a) throws BackendException {
        int max = a.i(2);
        Memory evs = new Memory((long) EPOLL_EVENT_LEN * Math.max(1, max));
        evs.clear();
        int r = c.epoll_wait(a.i(0), evs, max, a.i(3));
        if (r < 0) return error();
        Map<String, Long> out = new LinkedHashMap<>();
        if (r > 0) {
            out.put("events", evs.getInt(0) & 0xffff_ffffL);
            long data = evs.getLong(4);
            out.put("data", data);
            if (a.arg(1) instanceof Arg.Struct s && s.fields().size() > 1) {
                out.put(new ArrayList<>(s.fields().keySet()).get(1), data);
            }
        }
        return new SyscallResult(r, null, out);
    }

    /**
     * run_system_call.c msghdr_new(): one zero-filled buffer per {@code {..., len}} iovec, as many
     * as the script lists; msg_name (when present) is the script's remote address, as for sendto;
     * msg_flags as written; no control messages.
     */
    private SyscallResult sendmsg(Args a) throws BackendException {
        Msghdr m = msghdr(a, true);
        return ret(c.sendmsg(a.i(0), m.hdr(), a.i(2)));
    }

    /**
     * recvmsg() into the script's iovecs; msg_name (when present) is a sockaddr_storage, as
     * packetdrill allocates it. Out-values: "msg_flags" as the kernel set it, and "msg_namelen".
     */
    private SyscallResult recvmsg(Args a) throws BackendException {
        Msghdr m = msghdr(a, false);
        long r = c.recvmsg(a.i(0), m.hdr(), a.i(2));
        if (r < 0) return error();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("msg_flags", (long) m.hdr().getInt(MSGHDR_FLAGS));
        out.put("msg_namelen", (long) m.hdr().getInt(8));
        return new SyscallResult(r, null, out);
    }

    private record Iovecs(Memory array, int count, List<Memory> buffers) {}

    private record Msghdr(Memory hdr, Iovecs iov, Memory name) {}

    private Msghdr msghdr(Args a, boolean send) throws BackendException {
        if (!(a.arg(1) instanceof Arg.Struct msg)) throw a.bad(1, "a msghdr struct");
        Memory name = null;
        int nameLen = 0;
        Arg n = msg.fields().get("msg_name");
        if (n != null && !(n instanceof Arg.Null)) {
            if (send) {
                name = sockaddr(n, config.remoteIp(), config.port());
                nameLen = name == null ? 0 : SOCKADDR_IN_LEN;
            } else {
                name = zeroed(SOCKADDR_STORAGE_LEN);
                nameLen = SOCKADDR_STORAGE_LEN;
            }
        }
        Arg iovArg = msg.fields().get("msg_iov");
        Iovecs iov = iovArg == null ? new Iovecs(null, 0, List.of()) : iovecs(a, 1, iovArg);
        Memory hdr = new Memory(MSGHDR_LEN);
        hdr.clear();
        hdr.setPointer(0, name);
        hdr.setInt(8, nameLen);
        hdr.setPointer(16, iov.array());
        hdr.setLong(24, iov.count());
        Arg flags = msg.fields().get("msg_flags");
        if (flags instanceof Arg.Int f) hdr.setInt(MSGHDR_FLAGS, (int) f.value());
        return new Msghdr(hdr, iov, name);
    }

    private Iovecs iovecs(Args a, int index) throws BackendException {
        return iovecs(a, index, a.arg(index));
    }

    /**
     * run_system_call.c iovec_new(): {@code [{..., len}, ...]}, each a zero-filled buffer of its
     * own length (a bare int or an int array stands for the lengths alone).
     */
    private static Iovecs iovecs(Args a, int index, Arg arg) throws BackendException {
        List<Long> lens = new ArrayList<>();
        if (arg instanceof Arg.ArrayOf arr) {
            for (Arg item : arr.items()) {
                if (item instanceof Arg.Struct s && s.fields().get("iov_len") instanceof Arg.Int len) {
                    lens.add(len.value());
                } else if (item instanceof Arg.Int len) {
                    lens.add(len.value());
                } else {
                    throw a.bad(index, "an iovec array [{..., len}, ...]");
                }
            }
        } else if (arg instanceof Arg.Struct s && s.fields().get("iov_len") instanceof Arg.Int len) {
            lens.add(len.value());
        } else if (arg instanceof Arg.IntArray ia) {
            for (long v : ia.values()) lens.add(v);
        } else if (arg instanceof Arg.Int i) {
            lens.add(i.value());
        } else if (!(arg instanceof Arg.Null)) {
            throw a.bad(index, "an iovec array [{..., len}, ...]");
        }
        if (lens.isEmpty()) return new Iovecs(null, 0, List.of());
        Memory array = new Memory((long) IOVEC_LEN * lens.size());
        array.clear();
        List<Memory> buffers = new ArrayList<>();
        for (int k = 0; k < lens.size(); k++) {
            long len = lens.get(k);
            if (len < 0) throw a.bad(index, "an iovec array with non-negative lengths");
            Memory buf = zeroed(len);
            buffers.add(buf);
            array.setPointer((long) IOVEC_LEN * k, buf);
            array.setLong((long) IOVEC_LEN * k + 8, len);
        }
        return new Iovecs(array, lens.size(), buffers);
    }

    // ---- helpers ----

    private static SyscallResult ret(long r) {
        return r < 0 ? error() : SyscallResult.ok(r);
    }

    /** Must run right after the failed call, on its thread: JNA keeps errno per thread. */
    private static SyscallResult error() {
        return SyscallResult.error(LinuxConstants.errnoName(Native.getLastError()));
    }

    private static Memory zeroed(long n) {
        Memory m = new Memory(Math.max(1, n));
        m.clear();
        return m;
    }

    private static Memory ints(long[] values) {
        Memory m = new Memory(4L * Math.max(1, values.length));
        m.clear();
        for (int i = 0; i < values.length; i++) m.setInt(4L * i, (int) values[i]);
        return m;
    }

    private static long[] structInts(Args a, Arg.Struct s) throws BackendException {
        long[] v = new long[s.fields().size()];
        for (int i = 0; i < v.length; i++) v[i] = a.nth(s, 3, i);
        return v;
    }

    /** A sockaddr_in: family in host order, port and address in network order. */
    private static Memory sockaddr(Arg arg, int defaultIp, int defaultPort) {
        int family = AF_INET, ip = defaultIp, port = defaultPort;
        if (arg instanceof Arg.Sockaddr s) {
            family = s.family();
            ip = s.ip();
            port = s.port();
        } else if (arg instanceof Arg.Int i) {
            family = (int) i.value();
        } else if (arg instanceof Arg.Null) {
            return null;
        }
        Memory m = new Memory(SOCKADDR_IN_LEN);
        m.clear();
        m.setShort(0, (short) family);
        if (family == AF_INET) {
            m.setByte(2, (byte) (port >>> 8));
            m.setByte(3, (byte) port);
            m.setByte(4, (byte) (ip >>> 24));
            m.setByte(5, (byte) (ip >>> 16));
            m.setByte(6, (byte) (ip >>> 8));
            m.setByte(7, (byte) ip);
        }
        return m;
    }

    /** Positional access with errors that name the call and the argument. */
    private static final class Args {
        private final Syscall call;

        Args(Syscall call) {
            this.call = call;
        }

        int size() {
            return call.args().size();
        }

        Arg arg(int i) throws BackendException {
            if (i >= size()) {
                throw new BackendException(call.name() + "(): expected at least " + (i + 1) + " arguments, got " + size());
            }
            return call.args().get(i);
        }

        boolean isEllipsis(int i) throws BackendException {
            return arg(i) instanceof Arg.Ellipsis;
        }

        long l(int i) throws BackendException {
            Arg a = arg(i);
            if (a instanceof Arg.Int n) return n.value();
            if (a instanceof Arg.IntArray ia && ia.values().length == 1) return ia.values()[0];
            throw bad(i, "a number");
        }

        int i(int i) throws BackendException {
            return (int) l(i);
        }

        Memory sockaddr(int i, int defaultIp, int defaultPort) throws BackendException {
            Arg a = arg(i);
            if (a instanceof Arg.IntArray || a instanceof Arg.Struct || a instanceof Arg.Bytes) {
                throw bad(i, "a socket address");
            }
            return KernelSyscalls.sockaddr(a, defaultIp, defaultPort);
        }

        /**
         * run_system_call.c buffer_arg() and alloc_buffer(): {@code NULL} is passed as the null
         * pointer, whatever the length (the kernel answers EFAULT); {@code ...} is a zero-filled
         * buffer of the length, which must be one packetdrill could allocate.
         */
        Pointer buffer(int i, long len) throws BackendException {
            Arg a = arg(i);
            if (a instanceof Arg.Null) return null;
            if (!(a instanceof Arg.Ellipsis)) throw bad(i, "... or NULL");
            if (len < 0 || len > MAX_BUFFER) {
                throw new BackendException(call.name() + "(): a ... buffer of " + len
                    + " bytes cannot be allocated (packetdrill's calloc() fails too); use NULL for a bad buffer");
            }
            return zeroed(len);
        }

        int addrlen(int i, Memory sa) throws BackendException {
            if (i < size() && arg(i) instanceof Arg.Int n) return (int) n.value();
            return sa == null ? 0 : (int) sa.size();
        }

        long field(Arg.Struct s, int argIndex, String name) throws BackendException {
            Arg f = s.fields().get(name);
            if (f instanceof Arg.Int n) return n.value();
            throw bad(argIndex, "a struct with a numeric " + name + " field");
        }

        long nth(Arg.Struct s, int argIndex, int k) throws BackendException {
            Arg f = new ArrayList<>(s.fields().values()).get(k);
            if (f instanceof Arg.Int n) return n.value();
            throw bad(argIndex, "a struct of numbers");
        }

        BackendException bad(int i, String expected) {
            return new BackendException(call.name() + "(): argument " + (i + 1) + " must be " + expected);
        }
    }
}
