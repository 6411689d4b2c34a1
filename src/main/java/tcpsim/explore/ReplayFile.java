package tcpsim.explore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A violation, saved so that {@code tcpsim replay} reproduces it: the scenario (inline, and its
 * SHA-256), the model seed, the injected switches, the choices ({@link tcpsim.runtime.Schedule#encode}),
 * the invariant and what it said, and the project version that wrote it.
 *
 * @param scenarioPath  where the scenario was read from (for people; the text is what replays)
 * @param scenarioText  the scenario file's text, or null for a topology built in Java
 * @param scenarioHash  SHA-256 of the text, hex
 * @param scheduleIndex which schedule of the search found it
 * @param choices       the minimised schedule's choices
 * @param originalChoices the choices as found, before minimising
 */
public record ReplayFile(String version, String scenarioPath, String scenarioText, String scenarioHash, long seed,
                         List<String> inject, Map<String, Object> strategy, long scheduleIndex, String invariant,
                         String message, long step, long virtualNanos, String choices, String originalChoices,
                         int deviations, int originalDeviations, boolean minimised) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tcpsim_version", version);
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("path", scenarioPath);
        sc.put("sha256", scenarioHash);
        sc.put("text", scenarioText);
        m.put("scenario", sc);
        m.put("seed", seed);
        m.put("inject", inject);
        m.put("strategy", strategy);
        m.put("schedule_index", scheduleIndex);
        m.put("invariant", invariant);
        m.put("message", message);
        m.put("step", step);
        m.put("virtual_nanos", virtualNanos);
        m.put("minimised", minimised);
        m.put("deviations", deviations);
        m.put("original_deviations", originalDeviations);
        m.put("choices", choices);
        m.put("original_choices", originalChoices);
        return m;
    }

    /** Written whole or not at all (a temporary file renamed over), so a kill never leaves half a file. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), json());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** IllegalArgumentException naming what is missing or wrong. */
    public static ReplayFile read(Path file) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a replay file (JSON): " + e.getOriginalMessage());
        }
        JsonNode sc = need(n, "scenario");
        List<String> inject = new ArrayList<>();
        for (JsonNode i : need(n, "inject")) inject.add(i.asText());
        @SuppressWarnings("unchecked")
        Map<String, Object> strategy = n.has("strategy") ? JSON.convertValue(n.get("strategy"), Map.class) : Map.of();
        return new ReplayFile(need(n, "tcpsim_version").asText(), sc.path("path").asText(null),
            sc.path("text").isNull() ? null : sc.path("text").asText(null), sc.path("sha256").asText(null),
            need(n, "seed").asLong(), inject, strategy, n.path("schedule_index").asLong(-1), need(n, "invariant").asText(),
            n.path("message").asText(""), n.path("step").asLong(), n.path("virtual_nanos").asLong(),
            need(n, "choices").asText(), n.path("original_choices").asText(""), n.path("deviations").asInt(),
            n.path("original_deviations").asInt(), n.path("minimised").asBoolean());
    }

    private static JsonNode need(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull() && !key.equals("scenario")) throw new IllegalArgumentException("missing key '" + key + "'");
        return v;
    }
}
