package tcpsim.bench.kernel;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tcpsim.packetdrill.kernel.NetnsGuard;

/**
 * The process that measures the kernel reference, started by {@link KernelReference} under
 * {@code unshare --net} (or, when no namespace can be made, in the host's, told so by its
 * argument {@code host}). In a namespace it first makes sure, as the packetdrill kernel agent
 * does ({@link NetnsGuard}), that the namespace is fresh and not the launcher's; only then does it
 * bring {@code lo} up, widen {@code net.ipv4.ip_local_port_range} and raise
 * {@code net.core.somaxconn}, all three per namespace. In the host's namespace it changes nothing.
 *
 * <p>Protocol, a line each way on stdin/stdout: it says {@code READY <netns inode> <isolated>}
 * (or {@code ERROR <reason>} and exits), then answers each
 * {@code RUN <method> <clients> <warmup s> <seconds> [<C binary>]} with {@code RATE ...} (see
 * {@link #line}) or {@code ERROR <reason>}, until stdin closes.
 */
public final class RateWorker {
    private RateWorker() {}

    /** Per namespace: net/ipv4/sysctl_net_ipv4.c keeps ip_local_port_range in struct netns_ipv4. */
    public static final String PORT_RANGE = "1024 65535";
    /**
     * Per namespace (net/core/sysctl_net_core.c: netns_core_table). The listeners ask for a backlog
     * of 65,535 and __sys_listen caps it at somaxconn; at the default 4,096 a burst of scheduling
     * delay on a busy 2-CPU machine fills the accept queue, tcp_conn_request drops the SYN
     * (TcpExtListenOverflows) and its client sits out the 1 s SYN retransmit: runs of the same
     * loop then went from 26,000 to 157,000/s. The stalls measure the scheduler, not the handshake.
     */
    public static final int SOMAXCONN = 65_535;

    public static void main(String[] args) throws IOException {
        PrintStream rpc = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.US_ASCII);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        boolean isolated = !(args.length == 1 && args[0].equals("host"));
        long netns = NetnsGuard.netnsInode(Path.of("/proc/self/ns/net")).orElse(-1L);
        if (isolated) {
            try {
                netns = NetnsGuard.requireIsolated(args.length == 1 ? Long.parseLong(args[0]) : -1);
                prepareNamespace();
            } catch (Exception e) {
                rpc.println("ERROR " + oneLine(e.getMessage()));
                System.exit(3);
            }
        }
        rpc.println("READY " + netns + " " + isolated);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String request;
        while ((request = in.readLine()) != null) {
            try {
                rpc.println(line(run(request.split(" "))));
            } catch (Exception e) {
                rpc.println("ERROR " + oneLine(e.toString()));
            }
        }
        System.exit(0);
    }

    private static void prepareNamespace() throws IOException, InterruptedException {
        Process ip = new ProcessBuilder("ip", "link", "set", "lo", "up").redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String said = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (ip.waitFor() != 0) throw new IOException("ip link set lo up: " + said);
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"), PORT_RANGE);
        Files.writeString(Path.of("/proc/sys/net/core/somaxconn"), Integer.toString(SOMAXCONN));
    }

    private static HandshakeRate run(String[] req) throws Exception {
        if (req.length < 5 || !req[0].equals("RUN")) throw new IllegalArgumentException("bad request");
        ReferenceMethod method = ReferenceMethod.ofKey(req[1]);
        int clients = Integer.parseInt(req[2]);
        Duration warmup = Duration.ofMillis(Math.round(Double.parseDouble(req[3]) * 1000));
        Duration seconds = Duration.ofMillis(Math.round(Double.parseDouble(req[4]) * 1000));
        return switch (method) {
            case JAVA -> KernelHandshakeBench.measureRate(clients, seconds, warmup);
            case JNA -> JnaHandshakeLoop.measureRate(clients, seconds, warmup);
            case C -> runC(Path.of(req[5]), clients, req[3], req[4]);
        };
    }

    /** Runs the C loop (a child, so in this namespace too) and reads its one line of figures. */
    static HandshakeRate runC(Path binary, int clients, String warmup, String seconds)
        throws IOException, InterruptedException {
        long overflowsBefore = KernelHandshakeBench.tcpExtCounter("ListenOverflows");
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(clients), warmup, seconds)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // One line of output fits the pipe, so waiting first cannot block the loop's printf.
        if (!p.waitFor(Math.round(Double.parseDouble(warmup) + Double.parseDouble(seconds)) + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the C handshake loop did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.exitValue() != 0) throw new IOException("the C handshake loop exited with " + p.exitValue() + ": " + out);
        long overflowsAfter = KernelHandshakeBench.tcpExtCounter("ListenOverflows");
        Map<String, String> f = fields(out);
        String firstError = f.get("first_error");
        return new HandshakeRate(clients, 1, Duration.ofNanos(Long.parseLong(f.get("window_ns"))),
            Long.parseLong(f.get("connects")), Long.parseLong(f.get("accepts")), Long.parseLong(f.get("errors")),
            "none".equals(firstError) ? Optional.empty() : Optional.ofNullable(firstError),
            KernelHandshakeBench.overflowsBetween(overflowsBefore, overflowsAfter),
            Math.max(0, Double.parseDouble(f.get("other_cpu"))), Long.parseLong(f.get("cpu_ns")) / 1e9);
    }

    /** {@code key=value} pairs; the last one, {@code first_error}, runs to the end of the line. */
    static Map<String, String> fields(String line) {
        Map<String, String> f = new HashMap<>();
        int errorAt = line.indexOf("first_error=");
        if (errorAt < 0) throw new IllegalArgumentException("not a C loop result: " + line);
        f.put("first_error", line.substring(errorAt + "first_error=".length()));
        for (String kv : line.substring(0, errorAt).trim().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) f.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        for (String key : List.of("connects", "accepts", "errors", "window_ns", "other_cpu", "cpu_ns")) {
            if (!f.containsKey(key)) throw new IllegalArgumentException("no " + key + " in: " + line);
        }
        return f;
    }

    /** {@code RATE clients acceptors window_ns connects accepts errors overflows other_cpu cpu_s first_error|-}. */
    static String line(HandshakeRate r) {
        return "RATE " + r.clientThreads() + " " + r.acceptorThreads() + " " + r.measured().toNanos() + " "
            + r.connects() + " " + r.accepts() + " " + r.errors() + " " + r.listenOverflows() + " "
            + r.otherCpuShare() + " " + r.cpuSeconds() + " " + r.firstError().map(RateWorker::oneLine).orElse("-");
    }

    static HandshakeRate parse(String line) {
        String[] f = line.split(" ", 11);
        if (f.length != 11 || !f[0].equals("RATE")) throw new IllegalArgumentException("not a RATE line: " + line);
        return new HandshakeRate(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Duration.ofNanos(Long.parseLong(f[3])),
            Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
            f[10].equals("-") ? Optional.empty() : Optional.of(f[10]), Long.parseLong(f[7]), Double.parseDouble(f[8]),
            Double.parseDouble(f[9]));
    }

    private static String oneLine(String s) {
        return s == null ? "?" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
