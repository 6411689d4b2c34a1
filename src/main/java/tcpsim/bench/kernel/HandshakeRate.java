package tcpsim.bench.kernel;

import java.time.Duration;
import java.util.Optional;

/**
 * Loopback handshakes the real kernel completed in the measured window (warm-up excluded).
 *
 * @param clientThreads threads looping connect/close
 * @param acceptorThreads threads looping accept/close on the one listener
 * @param measured the measured window, as timed
 * @param connects connect() calls that returned in the window (client saw SYN-ACK, sent ACK)
 * @param accepts accept() calls that returned in the window (server child was ESTABLISHED)
 * @param errors failed connects or accepts over the whole run, warm-up included
 * @param firstError the first failure, if any
 * @param listenOverflows TcpExtListenOverflows over the whole run: a SYN or final ACK dropped
 *        because the accept queue was full (net/ipv4/tcp_input.c: tcp_conn_request,
 *        net/ipv4/tcp_ipv4.c: tcp_v4_syn_recv_sock); a dropped SYN stalls its client for the 1 s
 *        SYN retransmit, which shows in the rate; -1 if /proc/net/netstat was unreadable
 * @param otherCpuShare share of the machine's CPU time that other processes used during the
 *        measured window (approximate, see {@code Libc.CpuTicks}): above a few percent, the
 *        rate measured the machine's load as much as the kernel
 * @param cpuSeconds CPU time the measuring process used in the window, user and system (the
 *        loopback softirq work runs in its threads), JVM housekeeping included; -1 if unknown.
 *        Per handshake, it moves far less with the machine's load than the rate does.
 */
public record HandshakeRate(int clientThreads, int acceptorThreads, Duration measured, long connects,
                            long accepts, long errors, Optional<String> firstError, long listenOverflows,
                            double otherCpuShare, double cpuSeconds) {

    /** Handshakes per second: accepted connections, since an accept needs the whole 3WHS. */
    public double perSecond() {
        return accepts / (measured.toNanos() / 1e9);
    }

    /** Microseconds of the process's CPU per accepted handshake, NaN if unknown. */
    public double cpuMicrosPerHandshake() {
        return cpuSeconds < 0 || accepts == 0 ? Double.NaN : cpuSeconds * 1e6 / accepts;
    }

    public double connectsPerSecond() {
        return connects / (measured.toNanos() / 1e9);
    }
}
