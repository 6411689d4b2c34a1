package tcpsim.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FuzzCommandTest {

    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new FuzzCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void aCleanRunPrintsTheFiguresAndExitsZeroWithNothingSaved() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        Path crashes = dir.resolve("crashes");
        int exit = run(out, err, "--inputs", "1000", "--seed", "3", "--corpus", FuzzTest.projectRoot().toString(),
            "--crashes", crashes.toString());
        assertEquals(0, exit, out + "\n" + err);
        assertTrue(out.toString().matches("seed 3: 1000 inputs in [0-9.]+ s: [0-9]+ normal results, [0-9]+ clean errors, "
            + "0 crashes\\R"), out.toString());
        assertEquals("fuzz: 1000/1000\n", err.toString());
        assertFalse(Files.exists(crashes));
    }

    @Test
    void aWrongKindOrAnEmptyCorpusIsExitTwo() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(2, run(out, err, "--inputs", "1", "--kind", "pcap"));
        assertEquals("tcpsim fuzz: --kind: expected scenario, packetdrill or both, got 'pcap'\n", err.toString());

        StringWriter err2 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err2, "--inputs", "1", "--corpus", dir.toString()));
        assertEquals("tcpsim fuzz: no .conf files to mutate under " + dir + " (see --corpus)\n", err2.toString());
    }
}
