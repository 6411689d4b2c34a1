package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.packetdrill.ScriptResult.Verdict;

/**
 * The kernel backend's own scripts (src/test/resources/packetdrill-kernel): the system calls and
 * argument forms the examples use little or not at all (several iovecs and msg_flags, Fast Open
 * on non-blocking sockets, writes beyond the MSS, bad pointers and lengths, half-close), each
 * checked against the kernel's documented behaviour. The model does not run them: they are past
 * the handshake, where it stops today.
 */
class KernelScriptsTest {

    @Test
    void theScriptsCoverEachForm() throws Exception {
        assertEquals(List.of("fastopen-connect-nonblocking.pkt", "fastopen-sendto-nonblocking.pkt",
                "sendmsg-recvmsg-iovecs.pkt", "shutdown-wr-after-peer-fin.pkt", "shutdown-wr-data-both-ways.pkt",
                "syscall-bad-args.pkt", "write-larger-than-mss.pkt"),
            ProjectScripts.scripts("packetdrill-kernel").stream().map(p -> p.getFileName().toString()).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyScriptPassesOnTheKernel() throws Exception {
        String why = ProjectScripts.kernelUnavailable();
        assumeTrue(why == null, why);
        return ProjectScripts.scripts("packetdrill-kernel").stream().map(p -> DynamicTest.dynamicTest(
            p.getFileName().toString(), () -> {
                ScriptResult r = ProjectScripts.onKernel(p);
                assertEquals(Verdict.PASS, r.verdict(), () -> r.failure().message() + "\n" + r.notes());
            }));
    }

    /** recvmsg's msg_flags is the expected output, as syscall_recvmsg() checks it: a wrong one fails. */
    @Test
    void aWrongMsgFlagsFailsAtItsLine(@TempDir Path dir) throws Exception {
        String why = ProjectScripts.kernelUnavailable();
        assumeTrue(why == null, why);
        Path script = dir.resolve("wrong-msg-flags.pkt");
        Files.writeString(script, String.join("\n",
            "`sysctl -q net.ipv4.tcp_rmem=\"4096 131072 8388608\" net.ipv4.tcp_timestamps=0`",
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
            "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
            "+0 bind(3, ..., ...) = 0",
            "+0 listen(3, 1) = 0",
            "+0 < S 0:0(0) win 32792 <mss 1000,nop,nop,sackOK,nop,wscale 7>",
            "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>",
            "+0 < . 1:1(0) ack 1 win 257",
            "+0 accept(3, ..., ...) = 4",
            "+0 < P. 1:1001(1000) ack 1 win 257",
            "+0 > . 1:1(0) ack 1001",
            "+0 recvmsg(4, {msg_iov(1)=[{..., 2000}], msg_flags=MSG_TRUNC}, 0) = 1000",
            ""));
        ScriptResult r = ProjectScripts.onKernel(script);
        assertEquals(Verdict.FAIL, r.verdict());
        assertTrue(r.failure().message().contains(":12: runtime error in recvmsg call: Expected msg_flags 0x00000020"
            + " but got 0x00000000"), r.failure().message());
    }
}
