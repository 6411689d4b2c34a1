package tcpsim.packetdrill;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import tcpsim.packetdrill.Backend.BackendException;

/**
 * Interprets the backticked commands of a script the same way for every backend, so that the model
 * and the kernel start from the same sysctls: sourcing {@code defaults.sh} applies the settings of
 * packetdrill/README.md section 5; {@code set_sysctls.py /proc/sys/x=v} and {@code sysctl -q k=v}
 * become {@link Backend#sysctl} calls; the restore script {@code /tmp/sysctl_restore_*.sh} does
 * nothing (each run starts fresh); anything else goes to {@link Backend#shell}, and a command the
 * backend does not model is reported as a note.
 */
final class ShellCommands {

    /**
     * gtests/net/tcp/common/defaults.sh and tools/testing/selftests/net/packetdrill/defaults.sh,
     * in their order; {@code null} keys mark the shell steps.
     */
    private record Step(String key, String value) {}

    private static final List<Step> DEFAULTS_HEAD = List.of(
        new Step(null, "ip tcp_metrics flush all"),
        new Step("net.ipv4.tcp_rmem", "4096 540000 15728640"),
        new Step("net.ipv4.tcp_wmem", "4096 262144 4194304"),
        new Step("net.ipv4.tcp_timestamps", "1"),
        new Step("net.ipv4.tcp_syn_retries", "5"),
        new Step("net.ipv4.tcp_synack_retries", "5"),
        new Step("net.ipv4.tcp_frto", "2"),
        new Step("net.ipv4.tcp_sack", "1"),
        new Step("net.ipv4.tcp_dsack", "1"),
        new Step("net.ipv4.tcp_fack", "0"),
        new Step("net.ipv4.tcp_reordering", "3"),
        new Step("net.ipv4.tcp_congestion_control", "cubic"),
        new Step("net.ipv4.tcp_slow_start_after_idle", "0"),
        new Step("net.ipv4.tcp_early_retrans", "4"),
        new Step("net.ipv4.tcp_recovery", "1"),
        new Step("net.ipv4.tcp_tso_win_divisor", "3"),
        new Step("net.ipv4.tcp_ecn", "0"));

    private static final List<Step> DEFAULTS_TAIL = List.of(
        new Step("net.ipv4.tcp_pacing_ss_ratio", "200"),
        new Step("net.ipv4.tcp_pacing_ca_ratio", "120"),
        new Step("net.ipv4.tcp_notsent_lowat", "4294967295"));

    private static final String FASTOPEN_KEY = "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4";

    private final Backend backend;
    private final boolean kernelSelftest;
    private final Consumer<String> notes;

    /**
     * @param kernelSelftest the script comes from the kernel's selftests, whose defaults.sh sets
     *     tcp_fastopen=0x3 where google's sets 0x70403 and also sets tcp_ecn_option=2
     * @param notes receives one line per thing the run should report but that does not fail it
     */
    ShellCommands(Backend backend, boolean kernelSelftest, Consumer<String> notes) {
        this.backend = backend;
        this.kernelSelftest = kernelSelftest;
        this.notes = notes;
    }

    /** Whether a script path is one of the kernel's selftests (tools/testing/selftests). */
    static boolean isKernelSelftest(String path) {
        return path.replace('\\', '/').contains("tools/testing/selftests/");
    }

    /** Run one backticked command, line by line. */
    void run(String command, String file, int line) throws ScriptError, BackendException {
        for (String l : logicalLines(command)) runLine(l, file, line);
    }

    private void runLine(String original, String file, int line) throws ScriptError, BackendException {
        if (hasShellControl(original)) {
            shell(original, file, line, false);
            return;
        }
        List<String> words = words(stripRedirections(original));
        if (words.isEmpty()) return;
        int first = (words.get(0).equals("source") || words.get(0).equals(".")) && words.size() > 1 ? 1 : 0;
        String cmd = words.get(first);
        List<String> args = words.subList(first + 1, words.size());
        if (cmd.endsWith("defaults.sh")) {
            applyDefaults(file, line);
        } else if (cmd.endsWith("set_sysctls.py")) {
            for (String a : args) {
                int eq = a.indexOf('=');
                if (!a.startsWith("/proc/sys/") || eq < 0) {
                    throw new ScriptError(file, line, "set_sysctls.py: expected /proc/sys/KEY=VALUE, found " + a);
                }
                sysctl(a.substring("/proc/sys/".length(), eq).replace('/', '.'), a.substring(eq + 1), file, line);
            }
        } else if (cmd.equals("sysctl") || cmd.endsWith("/sysctl")) {
            List<String> settings = new ArrayList<>();
            for (String a : args) {
                if (a.startsWith("-")) continue;
                if (a.indexOf('=') < 0) {
                    shell(original, file, line, false);
                    return;
                }
                settings.add(a);
            }
            for (String a : settings) {
                int eq = a.indexOf('=');
                sysctl(a.substring(0, eq).replace('/', '.'), a.substring(eq + 1), file, line);
            }
        } else if (cmd.startsWith("/tmp/sysctl_restore_") && cmd.endsWith(".sh")) {
            return;
        } else {
            shell(original, file, line, false);
        }
    }

    private void applyDefaults(String file, int line) throws ScriptError, BackendException {
        List<Step> steps = new ArrayList<>(DEFAULTS_HEAD);
        if (!kernelSelftest) steps.add(new Step("net.ipv4.tcp_ecn_option", "2"));
        steps.addAll(DEFAULTS_TAIL);
        steps.add(new Step("net.ipv4.tcp_fastopen", kernelSelftest ? "0x3" : "0x70403"));
        steps.add(new Step("net.ipv4.tcp_fastopen_key", FASTOPEN_KEY));
        steps.add(new Step("net.ipv4.tcp_syncookies", "1"));
        steps.add(new Step(null, "tc qdisc add dev tun0 root pfifo"));
        for (Step s : steps) {
            if (s.key() == null) {
                shell(s.value(), file, line, true);
            } else {
                try {
                    backend.sysctl(s.key(), s.value());
                } catch (BackendException e) {
                    // defaults.sh carries on past a failing sysctl, as the shell script does.
                    notes.accept("line " + line + ": defaults.sh: sysctl " + s.key() + "=" + s.value()
                        + " failed: " + e.getMessage());
                }
            }
        }
    }

    private void sysctl(String key, String value, String file, int line) throws ScriptError {
        try {
            backend.sysctl(key, value);
        } catch (BackendException e) {
            throw new ScriptError(file, line, "error executing command: sysctl " + key + "=" + value + ": "
                + e.getMessage());
        }
    }

    private void shell(String command, String file, int line, boolean fromDefaults)
        throws ScriptError, BackendException {
        Backend.ShellResult r = backend.shell(command);
        if (r.notModeled()) {
            notes.accept("line " + line + ": not modeled: " + command);
        } else if (r.exitCode() != 0) {
            String what = "`" + command + "` returned exit status " + r.exitCode()
                + (r.output() == null || r.output().isBlank() ? "" : ": " + r.output().strip().replace('\n', ' '));
            if (fromDefaults) notes.accept("line " + line + ": defaults.sh: " + what);
            else throw new ScriptError(file, line, "error executing command: " + what);
        }
    }

    /** The command's lines, with backslash-newline continuations joined and comments dropped. */
    static List<String> logicalLines(String command) {
        List<String> out = new ArrayList<>();
        for (String l : command.replaceAll("\\\\\r?\n", " ").split("\r?\n")) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#")) out.add(t);
        }
        return out;
    }

    private static boolean hasShellControl(String l) {
        String s = stripRedirections(l);
        return s.contains("||") || s.contains("&&") || s.contains(";") || s.contains("|")
            || s.contains("$(") || s.contains("`") || s.endsWith("&");
    }

    private static String stripRedirections(String l) {
        return l.replaceAll("\\s*(&>|[0-9]*>>?)\\s*&?[^\\s]+", "").strip();
    }

    /** Shell words, honouring single and double quotes. */
    static List<String> words(String l) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean in = false;
        char quote = 0;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                in = true;
            } else if (Character.isWhitespace(c)) {
                if (in) out.add(cur.toString());
                cur.setLength(0);
                in = false;
            } else {
                cur.append(c);
                in = true;
            }
        }
        if (in) out.add(cur.toString());
        return out;
    }
}
