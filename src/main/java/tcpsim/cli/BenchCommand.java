package tcpsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tcpsim.bench.HandshakeBench;

/** tcpsim bench handshake: benchmarks, not tests; figures go to BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks against the real kernel on the same machine, in the same run.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "handshake")
    String name;

    @Option(names = "--quick", description = "smaller counts, one repeat (a smoke run)")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (!name.equals("handshake")) {
            System.err.println("tcpsim bench: unknown benchmark '" + name + "' (expected: handshake)");
            return 2;
        }
        var figures = HandshakeBench.run(quick, System.out);
        if (json != null) new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), figures);
        return 0;
    }
}
