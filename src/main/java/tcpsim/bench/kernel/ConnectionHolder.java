package tcpsim.bench.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds established loopback connections with both ends in this process: the connecting socket
 * and the socket {@code accept()} returned for it. Listeners are bound first ({@link #ConnectionHolder})
 * so that their cost is outside what {@link #open} adds, and each takes at most
 * {@link #PER_LISTENER} connections so the client ends never run out of ephemeral ports.
 *
 * <p>Run as a program it is one worker of a multi-process measurement (see {@link #main}).
 */
final class ConnectionHolder implements AutoCloseable {

    /**
     * Connections per listener. connect() may reuse a local port towards another destination
     * (net/ipv4/inet_hashtables.c: __inet_hash_connect checks the 4-tuple, not the port), so each
     * listener has the whole default ip_local_port_range, 32768-60999 = 28,232 ports, to itself;
     * this leaves room for the rest of the machine.
     */
    static final int PER_LISTENER = 20_000;

    private final int connections;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<SocketChannel> sockets = new ArrayList<>();

    ConnectionHolder(int connections) throws IOException {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1, was " + connections);
        }
        this.connections = connections;
        try {
            for (int i = 0; i < (connections + PER_LISTENER - 1) / PER_LISTENER; i++) {
                ServerSocketChannel listener = KernelHandshakeBench.listen();
                listeners.add(listener);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens all the connections; each is ESTABLISHED at both ends when this returns. */
    void open() throws IOException {
        for (int i = 0; i < connections; i++) {
            ServerSocketChannel listener = listeners.get(i % listeners.size());
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.INET);
            sockets.add(client);
            // Abortive close (RST) at the end, so 2N sockets do not linger in TIME_WAIT or FIN_WAIT.
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
            client.connect(listener.getLocalAddress());
            sockets.add(listener.accept());
        }
    }

    /** Sockets currently held, both ends counted. */
    int sockets() {
        return sockets.size();
    }

    /** Closes clients first (RST to the peer), then accepted sockets, then listeners. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SocketChannel s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        sockets.clear();
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        listeners.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Java heap in use after a full collection, for the heap side of the comparison. */
    static long heapUsedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * Worker protocol, one line each way over stdin/stdout: binds listeners for {@code args[0]}
     * connections and prints {@code READY}; on {@code OPEN} opens them and prints
     * {@code HELD <sockets> <heap delta bytes>}; on {@code CLOSE} or end of input (the parent died)
     * closes everything and exits. Any failure prints {@code FAILED <reason>} and exits 1.
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        int status = 0;
        try {
            int n = Integer.parseInt(args[0]);
            Libc.raiseFdLimit(2L * n + Libc.openFds() + 64);
            try (ConnectionHolder holder = new ConnectionHolder(n)) {
                out.println("READY");
                out.flush();
                if ("OPEN".equals(in.readLine())) {
                    long heapBefore = heapUsedAfterGc();
                    holder.open();
                    out.println("HELD " + holder.sockets() + " " + (heapUsedAfterGc() - heapBefore));
                    out.flush();
                    in.readLine();
                }
            }
        } catch (IOException | RuntimeException e) {
            out.println("FAILED " + e);
            status = 1;
        }
        out.flush();
        System.exit(status);
    }
}
