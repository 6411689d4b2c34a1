package tcpsim.bench.kernel;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import tcpsim.bench.kernel.Libc.Sockets;

/**
 * The handshake loop of {@link KernelHandshakeBench#measureRate} made of raw libc calls through
 * JNA (socket, setsockopt, connect, close; accept, close): no JDK socket layer, no NIO state, no
 * extra fcntl or getsockname per socket. One acceptor thread, as there.
 */
final class JnaHandshakeLoop {
    private JnaHandshakeLoop() {}

    static HandshakeRate measureRate(int clientThreads, Duration duration, Duration warmup)
        throws IOException, InterruptedException {
        if (clientThreads < 1) throw new IllegalArgumentException("need at least one client thread");
        LongAdder connects = new LongAdder();
        LongAdder accepts = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean accepting = new AtomicBoolean(true);
        int listener = listen();
        byte[] address = new byte[16];
        if (Sockets.getsockname(listener, address, new int[] {address.length}) < 0) {
            String why = Sockets.lastError("getsockname");
            Sockets.close(listener);
            throw new IOException(why);
        }
        List<Thread> clients = new ArrayList<>();
        Thread acceptor = KernelHandshakeBench.start("jna-acceptor", () -> {
            while (true) {
                int s = Sockets.accept(listener, null, null);
                if (s < 0) {
                    if (!accepting.get()) return; // shutdown() on the listener woke us
                    errors.increment();
                    firstError.compareAndSet(null, Sockets.lastError("accept"));
                    continue;
                }
                accepts.increment();
                Sockets.close(s);
            }
        });
        try {
            int[] linger = {1, 0};
            for (int i = 0; i < clientThreads; i++) {
                clients.add(KernelHandshakeBench.start("jna-client-" + i, () -> {
                    while (running.get()) {
                        int s = Sockets.socket(Sockets.AF_INET, Sockets.SOCK_STREAM, 0);
                        if (s < 0) {
                            errors.increment();
                            firstError.compareAndSet(null, Sockets.lastError("socket"));
                            continue;
                        }
                        String failed = Sockets.setsockopt(s, Sockets.SOL_SOCKET, Sockets.SO_LINGER, linger, 8) < 0
                            ? Sockets.lastError("setsockopt")
                            : Sockets.connect(s, address, address.length) < 0 ? Sockets.lastError("connect") : null;
                        if (failed == null) {
                            connects.increment();
                        } else {
                            errors.increment();
                            firstError.compareAndSet(null, failed);
                        }
                        Sockets.close(s);
                    }
                }));
            }
            long overflowsBefore = KernelHandshakeBench.tcpExtCounter("ListenOverflows");
            KernelHandshakeBench.Window w = KernelHandshakeBench.Window.measure(warmup, duration, connects, accepts);
            running.set(false);
            // Clients finish their last connect while the listener still accepts.
            KernelHandshakeBench.join(clients);
            long errorCount = errors.sum();
            long overflowsAfter = KernelHandshakeBench.tcpExtCounter("ListenOverflows");
            return w.rate(clientThreads, 1, errorCount, Optional.ofNullable(firstError.get()),
                KernelHandshakeBench.overflowsBetween(overflowsBefore, overflowsAfter));
        } finally {
            running.set(false);
            KernelHandshakeBench.join(clients);
            accepting.set(false);
            Sockets.shutdown(listener, Sockets.SHUT_RDWR);
            KernelHandshakeBench.join(List.of(acceptor));
            Sockets.close(listener);
        }
    }

    /** 127.0.0.1, an ephemeral port, the backlog capped by net.core.somaxconn as for the Java listener. */
    private static int listen() throws IOException {
        int fd = Sockets.socket(Sockets.AF_INET, Sockets.SOCK_STREAM, 0);
        if (fd < 0) throw new IOException(Sockets.lastError("socket"));
        byte[] any = Sockets.loopback(0);
        if (Sockets.bind(fd, any, any.length) < 0 || Sockets.listen(fd, 65_535) < 0) {
            String why = Sockets.lastError("bind/listen");
            Sockets.close(fd);
            throw new IOException(why);
        }
        return fd;
    }
}
