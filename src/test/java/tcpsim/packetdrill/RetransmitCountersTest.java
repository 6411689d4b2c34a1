package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.packetdrill.Backend.BackendException;
import tcpsim.packetdrill.ScriptResult.Verdict;
import tcpsim.packetdrill.kernel.KernelBackend;
import tcpsim.packetdrill.model.ModelBackend;
import tcpsim.testkit.TcpsimExtension;

/**
 * Issue 8: what TcpOutSegs and its neighbours count while a handshake's segments leave, measured
 * on the live kernel (6.18) and asserted on both backends. Each case is one of the project's own
 * scripts; the counters are read when it ends, just before the runner closes the backend.
 */
class RetransmitCountersTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic();

    /** The counters a leaving segment moves; one a case does not name must stay zero. */
    private static final List<String> OUT = List.of("TcpOutSegs", "TcpRetransSegs", "TcpOutRsts",
        "TcpExtTCPSynRetrans", "TcpExtTCPTimeouts");

    private record Case(String script, Map<String, Long> counters) {}

    private static final List<Case> CASES = List.of(
        // Three SYN-ACKs and a RST: tcp_make_synack counts every SYN-ACK, so each retransmission
        // (tcp_rtx_synack: RetransSegs, TCPSynRetrans) is also an OutSeg. Each of reqsk_timer_handler's
        // three runs, the last of which drops the request, counts a timeout (tcp_syn_ack_timeout).
        new Case("synack-retransmit-backoff.pkt", Map.of("TcpOutSegs", 4L, "TcpRetransSegs", 2L, "TcpOutRsts", 1L,
            "TcpExtTCPSynRetrans", 2L, "TcpExtTCPTimeouts", 3L)),
        // Six SYNs, one OutSeg: __tcp_transmit_skb counts only a segment that advances snd_nxt or has
        // no sequence space, so a retransmitted SYN counts in RetransSegs alone. tcp_retransmit_timer
        // counts a timeout before tcp_write_timeout gives up, so its sixth run counts too.
        new Case("syn-retransmit-linear.pkt", Map.of("TcpOutSegs", 1L, "TcpRetransSegs", 5L,
            "TcpExtTCPSynRetrans", 5L, "TcpExtTCPTimeouts", 6L)),
        // tcp_v4_send_reset counts each RST both as a segment and as a reset.
        new Case("rst-syn-to-closed-port.pkt", Map.of("TcpOutSegs", 2L, "TcpOutRsts", 2L)),
        // The SYN and the final ACK, which has no sequence space: both count.
        new Case("connect-blocking.pkt", Map.of("TcpOutSegs", 2L)));

    @TestFactory
    Stream<DynamicTest> theKernelCounts() {
        String why = ProjectScripts.kernelUnavailable();
        assumeTrue(why == null, why);
        return cases(KernelBackend::new);
    }

    @TestFactory
    Stream<DynamicTest> theModelCountsAsTheKernelDoes() {
        return cases(() -> new ModelBackend(tcpsim.simulation()));
    }

    private static Stream<DynamicTest> cases(Supplier<Backend> backend) {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.script(), () -> {
            CompletableFuture<Map<String, Long>> counters = new CompletableFuture<>();
            ScriptResult r = ProjectScripts.run(ProjectScripts.dir("packetdrill").resolve(c.script()),
                readingCountersAtClose(backend.get(), counters));
            assertEquals(Verdict.PASS, r.verdict(), () -> r.failure().message() + "\n" + r.notes());
            assertEquals(out(c.counters()), out(counters.join()), c.script());
        }));
    }

    /**
     * The backend with its counters read into {@code counters} as the runner closes it: the runner
     * owns the backend for the whole run, and a closed one has nothing left to read.
     */
    private static Backend readingCountersAtClose(Backend backend, CompletableFuture<Map<String, Long>> counters) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
            (proxy, method, args) -> {
                if (method.getName().equals("close")) {
                    try {
                        counters.complete(backend.nstat());
                    } catch (BackendException e) {
                        counters.completeExceptionally(e);
                    }
                }
                try {
                    return method.invoke(backend, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    /** The {@link #OUT} counters, zero where absent, in that order. */
    private static Map<String, Long> out(Map<String, Long> counters) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String name : OUT) m.put(name, counters.getOrDefault(name, 0L));
        return m;
    }
}
