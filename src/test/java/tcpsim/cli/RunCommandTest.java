package tcpsim.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tcpsim run as a user types it: the summary, the pcap read back by tshark, and bad input. */
class RunCommandTest {
    static final Path HOME = Path.of(System.getProperty("tcpsim.home", "."));

    record Out(int code, String out, String err) {}

    static Out run(String... args) {
        return capture(() -> Main.commandLine().execute(args));
    }

    /** The exit code of {@code command}, with what it printed. */
    static Out capture(IntSupplier command) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = command.getAsInt();
            return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void handshakeScenarioPrintsOutcomesSsAndNstat(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Out o = run("run", HOME.resolve("simulations/handshake.conf").toString(), "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("connected 1"), o.out());
        assertTrue(o.out().contains("accepted 1"), o.out());
        assertTrue(o.out().contains("LISTEN"), o.out());
        assertTrue(o.out().contains("TcpActiveOpens"), o.out());
        String j = Files.readString(json);
        assertTrue(j.contains("\"TcpPassiveOpens\" : 1"), j);
        assertTrue(j.contains("\"result\" : \"connected\""), j);
    }

    @Test
    void pcapReadsBackInTshark(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed (apt-get install tshark)");
        Path pcap = dir.resolve("h.pcap");
        Out o = run("run", HOME.resolve("simulations/handshake.conf").toString(), "--pcap", pcap.toString());
        assertEquals(0, o.code(), o.err());
        Process p = new ProcessBuilder("tshark", "-r", pcap.toString(), "-o", "tcp.relative_sequence_numbers:FALSE",
            "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", "-e", "frame.time_relative",
            "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.seq", "-e", "tcp.ack",
            "-e", "tcp.options.mss_val", "-e", "tcp.options.wscale.shift", "-e", "tcp.options.sack_perm",
            "-e", "tcp.checksum.status", "-e", "ip.checksum.status").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        List<String[]> rows = out.lines().map(l -> l.split("\\|", -1)).toList();
        assertEquals(3, rows.size(), out);
        String[] syn = rows.get(0), synack = rows.get(1), ack = rows.get(2);
        assertEquals("0.000000000", syn[0]);
        assertEquals("0.001000000", synack[0], "the SYN-ACK one link delay (1 ms) later");
        assertEquals("0.002000000", ack[0]);
        assertEquals("80", syn[2]);
        assertEquals(syn[1], synack[2]);
        assertEquals("0x0002", syn[3]);
        assertEquals("0x0012", synack[3]);
        assertEquals("0x0010", ack[3]);
        assertEquals(Long.parseLong(syn[4]) + 1, Long.parseLong(synack[5]), "SYN-ACK acks ISN+1");
        assertEquals(Long.parseLong(synack[4]) + 1, Long.parseLong(ack[5]), "ACK acks the server's ISN+1");
        assertEquals("1460", syn[6]);
        assertEquals("10", syn[7]);
        assertFalse(syn[8].isEmpty(), "SACK permitted in the SYN");
        for (String[] r : rows) {
            assertEquals("1", r[9], "TCP checksum verified good (tshark: 0 bad, 1 good, 2 unverified)");
            assertEquals("1", r[10], "IP checksum verified good");
        }
    }

    @Test
    void badSysctlValueIsOneLineWithFileLineAndKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "hosts {\n  a { ip = \"10.0.0.1\", sysctl { \"net.ipv4.tcp_syncookies\" = yes } }\n}\n");
        Out o = run("run", f.toString());
        assertEquals(2, o.code());
        assertEquals(1, o.err().lines().count(), o.err());
        assertTrue(o.err().startsWith(f + ":2: key 'hosts.a.sysctl.net.ipv4.tcp_syncookies'"), o.err());
        assertFalse(o.err().contains("at tcpsim."), "no stack trace");
    }

    @Test
    void syntaxErrorUnknownKeyAndUnknownHostAreClearErrors(@TempDir Path dir) throws Exception {
        Path syntax = dir.resolve("syntax.conf"), unknown = dir.resolve("unknown.conf"), host = dir.resolve("host.conf");
        Files.writeString(syntax, "hosts {\n  a { ip = \"10.0.0.1\" \n");
        Files.writeString(unknown, "hosts { a { ip = \"10.0.0.1\" } }\nlinkz = []\n");
        Files.writeString(host, "hosts { a { ip = \"10.0.0.1\" } }\nlinks = [ { between = [a, nosuch], delay = 1ms } ]\n");
        for (Path f : List.of(syntax, unknown, host)) {
            Out o = run("run", f.toString());
            assertEquals(2, o.code(), f + ": " + o.err());
            assertEquals(1, o.err().lines().count(), o.err());
            assertTrue(o.err().startsWith(f + ":"), o.err());
        }
        assertTrue(run("run", unknown.toString()).err().contains("links"), "did-you-mean suggestion");
        assertTrue(run("run", host.toString()).err().contains("nosuch"));
    }

    /** Class-path entries the CLI runs without: the test kit's optional dependencies and the tests' own. */
    static final Pattern NOT_FOR_THE_CLI = Pattern.compile("junit|opentest4j|apiguardian|testkit|test-classes");

    /**
     * tcpsim.testkit ships in the main jar, but JUnit and Akka's test kit stay out of the CLI's lib/
     * (pom.xml): the CLI must neither need nor load them.
     */
    @Test
    void runWorksWithoutJUnitAndAkkaTestKitOnTheClassPath() throws Exception {
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> cliClassPath = new ArrayList<>();
        for (String entry : testClassPath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!NOT_FOR_THE_CLI.matcher(p.getFileName().toString()).find()) cliClassPath.add(p.toUri().toURL());
        }
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader cli = new URLClassLoader(cliClassPath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertNotNull(cli.getResource("tcpsim/testkit/TcpsimExtension.class"), "the kit is there");
            assertThrows(ClassNotFoundException.class, () -> cli.loadClass("org.junit.jupiter.api.Test"));
            assertThrows(ClassNotFoundException.class, () -> cli.loadClass("akka.actor.testkit.typed.javadsl.ActorTestKit"));
            Object commandLine = cli.loadClass(Main.class.getName()).getMethod("commandLine").invoke(null);
            Method execute = commandLine.getClass().getMethod("execute", String[].class);
            Thread.currentThread().setContextClassLoader(cli); // Akka and Logback look classes up through it
            Out o = capture(() -> {
                try {
                    return (int) execute.invoke(commandLine, (Object) new String[] {"run", HOME.resolve("simulations/handshake.conf").toString()});
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(0, o.code(), o.err());
            assertTrue(o.out().contains("connected 1"), o.out());
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Test
    void badModeIsRefused() {
        Out o = run("run", HOME.resolve("simulations/handshake.conf").toString(), "--mode", "fast");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("expected deterministic or wild"), o.err());
    }
}
