package tcpsim.cli;

import static org.junit.jupiter.api.Assertions.*;
import static tcpsim.cli.RunCommandTest.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.explore.ReplayFile;

/** tcpsim explore, replay and explore-merge as a user types them: exit codes, replay files, one-line errors. */
class ExploreCommandTest {
    static final String UNANSWERED = "src/test/resources/explore/unanswered-connect.conf";
    static final String TWO = "src/test/resources/explore/two-clients.conf";

    @Test
    void aViolationExitsOneWithItsReplayFileAndReplayReproducesIt(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("r.json");
        RunCommandTest.Out o = run("explore", UNANSWERED, "--schedules", "20", "--out", dir.toString(), "--json", json.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.out().contains("connect-ends (schedule 0)"), o.out());
        var j = new ObjectMapper().readTree(json.toFile());
        assertEquals(1, j.get("schedules").asLong());
        assertTrue(j.has("schedules_per_second") && j.has("distinct"));
        assertEquals("random", j.get("strategy").get("name").asText());
        Path replay = Path.of(j.get("violations").get(0).get("replay_file").asText());
        assertEquals("connect-ends", j.get("violations").get(0).get("invariant").asText());

        Path svg = dir.resolve("t.svg"), pcap = dir.resolve("t.pcap");
        RunCommandTest.Out r = run("replay", replay.toString(), "--svg", svg.toString(), "--pcap", pcap.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("invariant connect-ends broke"), r.out());
        assertTrue(r.out().contains("client/slab-0/sock-2"), "a lane per actor: " + r.out());
        assertTrue(Files.readString(svg).startsWith("<svg"));
        assertTrue(Files.size(pcap) > 24, "the wire: more than the pcap header");
    }

    @Test
    void aViolationThatNoLongerHappensExitsThree(@TempDir Path dir) throws Exception {
        run("explore", UNANSWERED, "--schedules", "5", "--out", dir.toString());
        Path replay;
        try (var files = Files.list(dir)) {
            replay = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        // as if the model had been fixed: the run is now long enough for the connect() to time out
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = (ObjectNode) om.readTree(replay.toFile());
        ObjectNode sc = (ObjectNode) n.get("scenario");
        String text = sc.get("text").asText().replace("until = 2s", "until = 200s");
        sc.put("text", text);
        sc.put("sha256", ReplayFile.sha256(text));
        om.writeValue(replay.toFile(), n);
        RunCommandTest.Out r = run("replay", replay.toString(), "--quiet");
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("no longer happens"), r.out());
    }

    @Test
    void noViolationExitsZeroAndShardsMerge(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.json"), b = dir.resolve("b.json");
        assertEquals(0, run("explore", TWO, "--schedules", "20", "--shard", "0/2", "--json", a.toString()).code());
        assertEquals(0, run("explore", TWO, "--schedules", "20", "--shard", "1/2", "--json", b.toString()).code());
        RunCommandTest.Out m = run("explore-merge", a.toString(), b.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("schedules run        20"), m.out());
    }

    @Test
    void badInputExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, Files.readString(Path.of(TWO)) + "\nexplore {\n  invariants = [ehash-unique, no-such-thing]\n}\n");
        String[][] cases = {
            {"explore", TWO, "--strategy", "bfs"},
            {"explore", TWO, "--strategy", "exhaustive", "--threads", "2"},
            {"explore", TWO, "--strategy", "exhaustive", "--depth", "0"},
            {"explore", TWO, "--shard", "2/2"},
            {"explore", TWO, "--time", "soon"},
            {"explore", TWO, "--inject", "no-such-switch"},
            {"explore", conf.toString()},
            {"replay", conf.toString()},
        };
        for (String[] c : cases) {
            RunCommandTest.Out o = run(c);
            assertEquals(2, o.code(), String.join(" ", c) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), String.join(" ", c) + ": " + o.err());
            assertFalse(o.err().contains("Exception"), o.err());
        }
        String unknown = run("explore", conf.toString()).err();
        assertTrue(unknown.startsWith(conf + ":" + (Files.readString(Path.of(TWO)).lines().count() + 3) + ": key 'explore.invariants[1]'"), unknown);
    }

    @Test
    void exhaustiveFinishesOnTwoClientsRacingForOnePortAndSaysHowManySchedulesANaiveSearchNeeds(@TempDir Path dir)
        throws Exception {
        Path json = dir.resolve("x.json");
        RunCommandTest.Out o = run("explore", "simulations/races/two-clients-one-port.conf", "--strategy", "exhaustive",
            "--depth", "20", "--schedules", "100000", "--json", json.toString());
        assertEquals(0, o.code(), o.err());
        java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("complete: all (\\d+) classes explored \\(.*naive DFS: about 10\\^([0-9.]+) schedules").matcher(o.out());
        assertTrue(m.find(), o.out());
        long classes = Long.parseLong(m.group(1));
        assertTrue(classes > 10 && classes < 100_000, o.out());
        assertTrue(Double.parseDouble(m.group(2)) > Math.log10(classes) + 3, "the reduction saves orders of magnitude: " + o.out());
        assertTrue(Files.readString(json).contains("\"coverage\" : \"complete: all " + classes + " classes explored"),
            Files.readString(json));
    }

    @Test
    void listInjectPrintsEachSwitchAndItsScenario() {
        RunCommandTest.Out o = run("explore", "--list-inject");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("check-established-unlocked simulations/races/concurrent-connects.conf"), o.out());
    }
}
