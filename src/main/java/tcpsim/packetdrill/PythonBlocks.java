package tcpsim.packetdrill;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@code %{ }%} blocks of a script. As in gtests/net/packetdrill/code.c, each block records the
 * socket's tcp_info when its event runs, and all blocks run at the end of the script in one
 * {@code python3} program: before each block come packetdrill's constants and the recorded
 * {@code tcpi_*} values, so a block sees the state of its own moment.
 */
final class PythonBlocks {

    /** code.c write_symbols(): include/net/tcp_states.h, tcp_ca_state, TCPI_OPT_*. */
    private static final Map<String, Long> CONSTANTS = new TreeMap<>(Map.ofEntries(
        Map.entry("TCP_ESTABLISHED", 1L), Map.entry("TCP_SYN_SENT", 2L), Map.entry("TCP_SYN_RECV", 3L),
        Map.entry("TCP_FIN_WAIT1", 4L), Map.entry("TCP_FIN_WAIT2", 5L), Map.entry("TCP_TIME_WAIT", 6L),
        Map.entry("TCP_CLOSE", 7L), Map.entry("TCP_CLOSE_WAIT", 8L), Map.entry("TCP_LAST_ACK", 9L),
        Map.entry("TCP_LISTEN", 10L), Map.entry("TCP_CLOSING", 11L),
        Map.entry("TCP_CA_Open", 0L), Map.entry("TCP_CA_Disorder", 1L), Map.entry("TCP_CA_CWR", 2L),
        Map.entry("TCP_CA_Recovery", 3L), Map.entry("TCP_CA_Loss", 4L),
        Map.entry("TCPI_OPT_TIMESTAMPS", 1L), Map.entry("TCPI_OPT_SACK", 2L), Map.entry("TCPI_OPT_WSCALE", 4L),
        Map.entry("TCPI_OPT_ECN", 8L), Map.entry("TCPI_OPT_ECN_SEEN", 16L), Map.entry("TCPI_OPT_SYN_DATA", 32L)));

    private static final long TIMEOUT_SECONDS = 60;

    private record Block(int line, String code, Map<String, Long> tcpInfo) {}

    private final String file;
    private final List<Block> blocks = new ArrayList<>();

    PythonBlocks(String file) {
        this.file = file;
    }

    void add(int line, String code, Map<String, Long> tcpInfo) {
        blocks.add(new Block(line, code, new TreeMap<>(tcpInfo)));
    }

    /** Run every block; an assertion that fails is a FAIL at its block's line. */
    void execute() throws ScriptError {
        if (blocks.isEmpty()) return;
        String program = program();
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", program)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new ScriptError(file, blocks.get(0).line(), "error executing code: cannot run python3: "
                + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            String out = readAll(p.getErrorStream());
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ScriptError(file, blocks.get(0).line(), "error executing code: python3 did not finish in "
                    + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() == 0) return;
            throw failure(out, p.exitValue());
        } catch (IOException e) {
            throw new ScriptError(file, blocks.get(0).line(), "error executing code: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptError(file, blocks.get(0).line(), "error executing code: interrupted");
        }
    }

    /** The excepthook writes "LINE\nType: message"; anything else is python3 failing to start. */
    private ScriptError failure(String stderr, int exit) {
        String[] lines = stderr.strip().split("\n", 2);
        if (lines.length == 2 && lines[0].matches("[0-9]+")) {
            int line = Integer.parseInt(lines[0]);
            String what = lines[1].strip();
            String code = blocks.stream().filter(b -> b.line() == line).map(Block::code).findFirst().orElse("");
            String msg = "error in Python code: " + what + " (" + code.strip().replaceAll("\\s+", " ") + ")";
            return what.startsWith("AssertionError")
                ? ScriptError.failure(file, line, msg, List.of())
                : new ScriptError(file, line, msg);
        }
        return new ScriptError(file, blocks.get(0).line(), "error executing code: python3 exited with status "
            + exit + (stderr.isBlank() ? "" : ": " + stderr.strip().replace('\n', ' ')));
    }

    String program() {
        StringBuilder b = new StringBuilder();
        b.append("import sys\n");
        b.append("_line = 0\n");
        b.append("def _excepthook(etype, value, tb):\n");
        b.append("    sys.stderr.write('%d\\n%s: %s\\n' % (_line, etype.__name__, value))\n");
        b.append("sys.excepthook = _excepthook\n");
        for (Block block : blocks) {
            b.append('\n');
            CONSTANTS.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
            block.tcpInfo().forEach((k, v) -> {
                if (k.matches("[A-Za-z_][A-Za-z0-9_]*")) b.append(k).append(" = ").append(Long.toUnsignedString(v)).append('\n');
            });
            // Compiled block by block, so a syntax error too is reported at its block's line.
            b.append("_line = ").append(block.line()).append('\n');
            b.append("exec(compile(bytes.fromhex('").append(HexFormat.of().formatHex(block.code().getBytes(StandardCharsets.UTF_8)))
                .append("').decode(), '").append(file.replace("\\", "/").replace("'", "")).append(':').append(block.line())
                .append("', 'exec'))\n");
        }
        return b.toString();
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
