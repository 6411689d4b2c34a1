package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kit from another project's side: examples/user-project depends on the installed tcpsim jar,
 * declares JUnit and Akka's test kit itself, and runs its tests. Slow (it installs tcpsim into the
 * local repository and runs two more Maven builds), so only on request:
 * {@code mvn test -Dtest=UserProjectTest -Dtcpsim.userProject=true}, or run.sh by hand.
 */
class UserProjectTest {
    @Test
    @EnabledIfSystemProperty(named = "tcpsim.userProject", matches = "true")
    void userProjectTestsPassAgainstTheInstalledJar(@TempDir Path dir) throws Exception {
        Path runSh = Path.of(System.getProperty("tcpsim.home", ".")).resolve("examples/user-project/run.sh");
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder(runSh.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("run.sh still running after 10 minutes:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("in com.example.RetryBackoffTest"), out);
        assertTrue(out.contains("in com.example.HandshakeScenarioTest"), out);
    }
}
