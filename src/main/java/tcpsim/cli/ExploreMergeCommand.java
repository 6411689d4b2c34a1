package tcpsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** tcpsim explore-merge A.json B.json ...: one summary of the shards of one search. */
@Command(name = "explore-merge", mixinStandardHelpOptions = true,
    description = "Combine the --json of explore shards (--shard i/n) into one summary. Exit 0: no violation in any; 1: some; 2: bad input.")
public final class ExploreMergeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SHARD.json", arity = "1..*", description = "the shards' --json files")
    List<Path> files;

    @Option(names = "--json", paramLabel = "FILE", description = "write the merged summary as JSON")
    Path json;

    @Override
    public Integer call() throws IOException {
        ObjectMapper om = new ObjectMapper();
        long schedules = 0;
        double wall = 0;
        Set<Long> hashes = new HashSet<>(), ends = new HashSet<>();
        Map<String, Long> checks = new LinkedHashMap<>();
        List<JsonNode> violations = new ArrayList<>();
        JsonNode strategy = null;
        String scenario = null;
        Set<String> shards = new HashSet<>();
        for (Path f : files) {
            JsonNode n;
            try {
                n = om.readTree(f.toFile());
            } catch (IOException e) {
                System.err.println("tcpsim explore-merge: " + f + ": not readable JSON: " + e.getMessage().lines().findFirst().orElse(""));
                return 2;
            }
            if (!n.has("schedule_hashes") || !n.has("strategy")) {
                System.err.println("tcpsim explore-merge: " + f + ": not an explore --json summary (no schedule_hashes)");
                return 2;
            }
            if (strategy == null) {
                strategy = n.get("strategy");
                scenario = n.path("scenario").asText();
            } else if (!strategy.equals(n.get("strategy")) || !scenario.equals(n.path("scenario").asText())) {
                System.err.println("tcpsim explore-merge: " + f + ": another search (scenario or strategy differ from " + files.get(0) + ")");
                return 2;
            }
            if (!shards.add(n.path("shard").asText())) {
                System.err.println("tcpsim explore-merge: " + f + ": shard " + n.path("shard").asText() + " given twice");
                return 2;
            }
            schedules += n.get("schedules").asLong();
            wall = Math.max(wall, n.path("wall_seconds").asDouble()); // shards run side by side
            n.get("schedule_hashes").forEach(h -> hashes.add(h.asLong()));
            n.get("end_state_hashes").forEach(h -> ends.add(h.asLong()));
            n.path("checks").fields().forEachRemaining(e -> checks.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            n.path("violations").forEach(violations::add);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("strategy", strategy);
        m.put("shards", shards.size());
        m.put("schedules", schedules);
        m.put("distinct", hashes.size());
        m.put("end_states", ends.size());
        m.put("wall_seconds", wall);
        m.put("schedules_per_second", wall > 0 ? schedules / wall : 0);
        m.put("checks", checks);
        m.put("violations", violations);
        System.out.printf("tcpsim explore-merge: %d shards of %s, strategy %s%n", shards.size(), scenario, strategy);
        System.out.printf("  schedules run        %,d%n  distinct schedules   %,d%n  distinct end states  %,d%n", schedules, hashes.size(), ends.size());
        System.out.println("  checks");
        checks.forEach((k, v) -> System.out.printf("    %-20s %,14d%n", k, v));
        if (violations.isEmpty()) System.out.println("  violations           none");
        for (JsonNode v : violations) {
            System.out.printf("    %s (schedule %d): %s%n      replay: ./tcpsim replay %s%n", v.path("invariant").asText(),
                v.path("schedule_index").asLong(), v.path("message").asText(), v.path("replay_file").asText());
        }
        if (json != null) {
            m.put("schedule_hashes", hashes.stream().mapToLong(Long::longValue).sorted().toArray());
            m.put("end_state_hashes", ends.stream().mapToLong(Long::longValue).sorted().toArray());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), m);
        }
        return violations.isEmpty() ? 0 : 1;
    }
}
