package tcpsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tcpsim.bench.HandshakeBench;
import tcpsim.bench.ScaleBench;

/** tcpsim bench handshake|scale: benchmarks, not tests; figures go to BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks against the real kernel on the same machine, in the same run.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "handshake or scale")
    String name;

    @Option(names = "--quick", description = "smaller counts, one repeat (a smoke run)")
    boolean quick;

    @Option(names = "--sizes", split = ",", paramLabel = "N,N,...",
        description = "scale: connections per run (default 1000,10000,100000,1000000)")
    List<Integer> sizes;

    @Option(names = "--keep-scenarios", paramLabel = "DIR",
        description = "scale: keep the generated scenario files here (to time `tcpsim run` on them)")
    Path keep;

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        Object figures;
        if (name.equals("handshake")) {
            figures = HandshakeBench.run(quick, System.out);
        } else if (name.equals("scale")) {
            List<Integer> ns = sizes != null ? sizes : ScaleBench.DEFAULT_SIZES;
            if (ns.isEmpty() || ns.stream().anyMatch(n -> n < 1)) {
                System.err.println("tcpsim bench scale: --sizes: expected positive connection counts, such as 1000,10000");
                return 2;
            }
            figures = ScaleBench.run(ns, keep, System.out, System.err);
        } else {
            System.err.println("tcpsim bench: unknown benchmark '" + name + "' (expected: handshake or scale)");
            return 2;
        }
        if (json != null) new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), figures);
        return 0;
    }
}
