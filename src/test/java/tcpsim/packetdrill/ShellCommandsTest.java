package tcpsim.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpsim.packetdrill.ScriptResult.Verdict;

class ShellCommandsTest {

    /** README section 5 / google's defaults.sh, in order. */
    static final List<String> GOOGLE_DEFAULTS = List.of(
        "net.ipv4.tcp_rmem=4096 540000 15728640",
        "net.ipv4.tcp_wmem=4096 262144 4194304",
        "net.ipv4.tcp_timestamps=1",
        "net.ipv4.tcp_syn_retries=5",
        "net.ipv4.tcp_synack_retries=5",
        "net.ipv4.tcp_frto=2",
        "net.ipv4.tcp_sack=1",
        "net.ipv4.tcp_dsack=1",
        "net.ipv4.tcp_fack=0",
        "net.ipv4.tcp_reordering=3",
        "net.ipv4.tcp_congestion_control=cubic",
        "net.ipv4.tcp_slow_start_after_idle=0",
        "net.ipv4.tcp_early_retrans=4",
        "net.ipv4.tcp_recovery=1",
        "net.ipv4.tcp_tso_win_divisor=3",
        "net.ipv4.tcp_ecn=0",
        "net.ipv4.tcp_ecn_option=2",
        "net.ipv4.tcp_pacing_ss_ratio=200",
        "net.ipv4.tcp_pacing_ca_ratio=120",
        "net.ipv4.tcp_notsent_lowat=4294967295",
        "net.ipv4.tcp_fastopen=0x70403",
        "net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
        "net.ipv4.tcp_syncookies=1");

    private final FakeStack stack = new FakeStack();
    private final List<String> notes = new ArrayList<>();

    private void run(boolean kernelSelftest, String command) throws Exception {
        new ShellCommands(stack, kernelSelftest, notes::add).run(command, "t.pkt", 4);
    }

    @Test
    void googleDefaultsShBecomesTheReadmeSysctlsAndTheShellSteps() throws Exception {
        run(false, "../common/defaults.sh");
        assertEquals(GOOGLE_DEFAULTS, stack.sysctls);
        assertEquals(List.of("ip tcp_metrics flush all", "tc qdisc add dev tun0 root pfifo"), stack.shellCommands);
        assertEquals(List.of("line 4: not modeled: ip tcp_metrics flush all",
            "line 4: not modeled: tc qdisc add dev tun0 root pfifo"), notes);
    }

    @Test
    void kernelSelftestDefaultsSetFastOpenTo0x3AndNoEcnOption() throws Exception {
        assertTrue(ShellCommands.isKernelSelftest("x/tools/testing/selftests/net/packetdrill/tcp_basic_client.pkt"));
        run(true, "./defaults.sh");
        List<String> expected = new ArrayList<>(GOOGLE_DEFAULTS);
        expected.remove("net.ipv4.tcp_ecn_option=2");
        expected.set(expected.indexOf("net.ipv4.tcp_fastopen=0x70403"), "net.ipv4.tcp_fastopen=0x3");
        assertEquals(expected, stack.sysctls);
    }

    @Test
    void setSysctlsPyAcrossContinuationLinesAppliesEachPair() throws Exception {
        run(false, "../../common/defaults.sh\n ../../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0 \\\n"
            + "                             /proc/sys/net/ipv4/tcp_min_tso_segs=2");
        assertEquals(List.of("net.ipv4.tcp_timestamps=0", "net.ipv4.tcp_min_tso_segs=2"),
            stack.sysctls.subList(GOOGLE_DEFAULTS.size(), stack.sysctls.size()));
    }

    @Test
    void sysctlMinusQAppliesEverySetting() throws Exception {
        run(false, "sysctl -q \\\n  net.ipv4.tcp_fastopen=0x30403 \\\n  net.ipv4.tcp_fastopen_key=a0bf63f7-ed803d81-cd641d30-cebc4a90");
        assertEquals(List.of("net.ipv4.tcp_fastopen=0x30403",
            "net.ipv4.tcp_fastopen_key=a0bf63f7-ed803d81-cd641d30-cebc4a90"), stack.sysctls);
        assertEquals(List.of(), stack.shellCommands);
    }

    @Test
    void theRestoreScriptDoesNothing() throws Exception {
        run(false, "/tmp/sysctl_restore_${PPID}.sh");
        assertEquals(List.of(), stack.sysctls);
        assertEquals(List.of(), stack.shellCommands);
        assertEquals(List.of(), notes);
    }

    @Test
    void anyOtherCommandGoesToTheBackendAndNotModeledIsANote() throws Exception {
        run(false, "nstat -n > /dev/null\nsysctl -q net.ipv4.tcp_fastopen_cookies=0 &> /dev/null || ip tcp_metrics flush all");
        assertEquals(List.of("nstat -n > /dev/null",
            "sysctl -q net.ipv4.tcp_fastopen_cookies=0 &> /dev/null || ip tcp_metrics flush all"), stack.shellCommands);
        assertEquals(List.of(), stack.sysctls);
        assertEquals(2, notes.size());
        assertEquals("line 4: not modeled: nstat -n > /dev/null", notes.get(0));
    }

    @Test
    void aRefusedSysctlIsANoteInDefaultsAndAnErrorWhenTheScriptAsksForIt() throws Exception {
        stack.refusedSysctls.add("net.ipv4.tcp_congestion_control");
        run(false, "../common/defaults.sh");
        assertTrue(notes.contains("line 4: defaults.sh: sysctl net.ipv4.tcp_congestion_control=cubic failed: "
            + "permission denied"), notes.toString());

        ScriptError e = assertThrows(ScriptError.class, () -> run(false, "sysctl -q net.ipv4.tcp_congestion_control=reno"));
        assertEquals("t.pkt:4: error executing command: sysctl net.ipv4.tcp_congestion_control=reno: permission denied",
            e.getMessage());
        assertEquals(Verdict.ERROR, e.verdict());
    }

    @Test
    void theRunnerAppliesTheInitCommandAndReportsUnmodeledCommandsAsNotes() throws Exception {
        String script = "`../common/defaults.sh\n ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0`\n"
            + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `nstat -n`\n`/tmp/sysctl_restore_${PPID}.sh`\n";
        ScriptResult r = new ScriptRunner().run(ScriptParser.parse("t.pkt", script, RunSettings.UPSTREAM_DEFINES), stack);
        assertEquals(Verdict.PASS, r.verdict(), () -> String.valueOf(r.failure()));
        assertEquals("net.ipv4.tcp_timestamps=0", stack.sysctls.get(stack.sysctls.size() - 1));
        assertTrue(r.notes().contains("line 4: not modeled: nstat -n"), r.notes().toString());
        assertTrue(r.notes().contains("line 1: not modeled: tc qdisc add dev tun0 root pfifo"), r.notes().toString());
    }
}
