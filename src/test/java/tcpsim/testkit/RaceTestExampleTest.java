package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.app.ClientAppActor;
import tcpsim.app.ServerAppActor;
import tcpsim.explore.Explorer;
import tcpsim.explore.Invariant;
import tcpsim.net.Inject;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;
import tcpsim.net.ipv4.TcpState;
import tcpsim.sim.Topology;

/** The race test kit as a user writes it (the README shows these). */
class RaceTestExampleTest {
    static final Path HOME = Path.of(System.getProperty("tcpsim.home", "."));

    @TempDir
    Path replays;

    @Test
    void acceptRacingAListenerCloseBreaksNoInvariant() {
        RaceTest.of(HOME.resolve("simulations/races/accept-vs-listener-close.conf"))
            .pct(3).schedules(300).replayDir(replays)
            .assertNoViolations();
    }

    /** A user's own invariant: the server never holds more ESTABLISHED children than clients connected. */
    static final Invariant AT_MOST_TWO_CHILDREN = Invariant.of("at-most-two-children",
        "the server holds at most two ESTABLISHED sockets", Invariant.Kind.SAFETY,
        run -> run.hosts().get("server").socks.stream().filter(sk -> sk.skState == TcpState.ESTABLISHED).count() > 2
            ? "more than two ESTABLISHED sockets on the server" : null);

    static Topology twoClientsOneListener() {
        int server = Skb.ip("10.0.0.1");
        return new Topology(
            List.of(new Topology.Host("server", server, Sysctls.defaults(), 1500),
                new Topology.Host("a", Skb.ip("10.0.0.2"), Sysctls.defaults(), 1500)),
            List.of(new Topology.Link("a", "server", 1_000_000, 0)),
            List.of(new Topology.Server("server", new ServerAppActor.Params("srv", 0, 0, 80, 1, false, false, Integer.MAX_VALUE)),
                new Topology.Client("a", new ClientAppActor.Params("cli", 10_000_000, server, 80, 2, 0, 0, false, false))));
    }

    @Test
    void aTopologyBuiltInJavaWithAnInvariantOfItsOwn() {
        Explorer.Result r = RaceTest.of(twoClientsOneListener(), 1, Duration.ofSeconds(5))
            .random().schedules(200).check(AT_MOST_TWO_CHILDREN).replayDir(replays)
            .assertNoViolations();
        assertEquals(200, r.schedules());
    }

    @Test
    void aFailureNamesTheInvariantTheReplayFileAndShowsTheTimeline() {
        AssertionError e = assertThrows(AssertionError.class, () ->
            RaceTest.of(HOME.resolve(Inject.EHASH_INSERT_NO_OWN_REQ.scenario))
                .pct(3).schedules(400).inject(Inject.EHASH_INSERT_NO_OWN_REQ).replayDir(replays)
                .assertNoViolations());
        String m = e.getMessage();
        assertTrue(m.startsWith("ehash-unique broke in schedule "), m);
        assertTrue(m.contains("replay: ./tcpsim replay " + replays), m);
        assertTrue(m.contains("lanes\n") && m.contains("segment: "), "a timeline with lanes and segments:\n" + m);
    }
}
