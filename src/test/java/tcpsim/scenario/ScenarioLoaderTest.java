package tcpsim.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpsim.net.Skb;
import tcpsim.net.Sysctls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScenarioLoaderTest {

    private static final long MS = 1_000_000L;
    private static final Path SIMULATIONS = Path.of(System.getProperty("tcpsim.home", ".")).resolve("simulations");

    /** A valid scenario; the error tests each break one line of it. */
    private static final String GOOD = """
        hosts {
          server { ip = "10.0.0.1" }
          client { ip = "10.0.0.2" }
        }
        links = [ { between = [client, server], delay = 1ms } ]
        apps = [
          { host = server, listen { port = 80, backlog = 128 } }
          { host = client, connect { to = "server:80" } }
        ]
        run { until = 10s }
        """;

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, text);
        return f;
    }

    /** The one-line message loading this text gives, with the file name replaced by "F". */
    private String error(String text) throws IOException {
        Path f = write(text);
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
        return "F" + e.getMessage().substring(f.toString().length());
    }

    private String errorReplacing(String line, String with) throws IOException {
        assertTrue(GOOD.contains(line), line);
        return error(GOOD.replace(line, with));
    }

    // ---- the shipped simulations ----

    @Test
    void handshakeLoadsOneServerOneClientAndAOneMillisecondLink() {
        Scenario s = ScenarioLoader.load(SIMULATIONS.resolve("handshake.conf"));
        assertEquals(42, s.seed());
        assertEquals(List.of("server", "client"), s.hosts().stream().map(HostSpec::name).toList());
        assertEquals("10.0.0.1", Skb.ip(s.host("server").ip()));
        assertEquals("10.0.0.2", Skb.ip(s.host("client").ip()));
        assertEquals(Sysctls.defaults(), s.host("server").sysctls());
        assertEquals(Sysctls.defaults(), s.host("client").sysctls());
        assertEquals(List.of(new LinkSpec("client", "server", MS, 0.0)), s.links());
        assertEquals(List.of(
            new ServerApp("server", 0, ServerApp.INADDR_ANY, 80, 128, false, false, ServerApp.ACCEPT_ALL, OptionalLong.empty()),
            new ClientApp("client", 10 * MS, "server", 80, 1, 0, OptionalInt.empty(), false, false, OptionalLong.empty())),
            s.apps());
        assertEquals(10_000 * MS, s.untilNanos());
    }

    @Test
    void backlogOverflowLoadsABacklogOfFourThatNeverAcceptsAndEightClients() {
        Scenario s = ScenarioLoader.load(SIMULATIONS.resolve("backlog-overflow.conf"));
        ServerApp server = (ServerApp) s.apps().get(0);
        assertEquals(4, server.backlog());
        assertEquals(0, server.accept());
        assertEquals(80, server.port());
        ClientApp clients = (ClientApp) s.apps().get(1);
        assertEquals(8, clients.count());
        assertEquals("server", clients.target());
        assertEquals(80, clients.port());
        assertEquals(MS, clients.everyNanos());
        assertEquals(0, s.host("server").sysctls().tcpAbortOnOverflow());
        assertEquals(4096, s.host("server").sysctls().somaxconn());
        assertEquals(140_000 * MS, s.untilNanos());
        assertTrue(s.link("server", "client").isPresent());
    }

    @Test
    void theReadmeExampleLoadsAsDocumented() throws IOException {
        String readme = Files.readString(SIMULATIONS.resolve("README.md"));
        int from = readme.indexOf("```hocon\n") + "```hocon\n".length();
        Scenario s = ScenarioLoader.load(write(readme.substring(from, readme.indexOf("```", from))));
        Sysctls server = s.host("server").sysctls();
        assertEquals(0, server.tcpSyncookies());
        assertEquals(1024, server.somaxconn());
        assertEquals(40000, server.ipLocalPortRangeLow());
        assertEquals(6291456, server.tcpRmemMax());
        assertTrue(server.isLocalReservedPort(40205));
        assertEquals(new LinkSpec("client", "server", MS, 0.01), s.links().get(0));
        assertEquals(new ClientApp("client", 10 * MS, "server", 80, 100, MS, OptionalInt.of(0), false, false,
            OptionalLong.of(5000 * MS)), s.apps().get(1));
    }

    // ---- what a loaded scenario holds ----

    @Test
    void sysctlsApplyToTheirHostOnlyWhetherQuotedOrWrittenAsAPath() throws IOException {
        Scenario s = ScenarioLoader.load(write(GOOD.replace(
            "server { ip = \"10.0.0.1\" }",
            "server { ip = \"10.0.0.1\", sysctl { \"net.ipv4.tcp_syncookies\" = 0, net.core.somaxconn = 16,"
                + " net.ipv4.ip_local_port_range = \"40000 40009\", net.ipv4.ip_local_reserved_ports = [40001, \"40003-40004\"] } }")));
        Sysctls server = s.host("server").sysctls();
        assertEquals(0, server.tcpSyncookies());
        assertEquals(16, server.somaxconn());
        assertEquals(40000, server.ipLocalPortRangeLow());
        assertEquals(40009, server.ipLocalPortRangeHigh());
        assertEquals("40001,40003-40004", server.get("net.ipv4.ip_local_reserved_ports"));
        assertEquals(Sysctls.defaults(), s.host("client").sysctls());
    }

    @Test
    void optionalKeysTakeTheirDocumentedDefaults() throws IOException {
        Scenario s = ScenarioLoader.load(write(GOOD));
        assertEquals(Scenario.DEFAULT_SEED, s.seed());
        ServerApp server = (ServerApp) s.apps().get(0);
        assertEquals(ServerApp.ACCEPT_ALL, server.accept());
        assertEquals(0, server.startNanos());
        ClientApp client = (ClientApp) s.apps().get(1);
        assertEquals(1, client.count());
        assertEquals(0, client.everyNanos());
        assertEquals(OptionalInt.empty(), client.bindPort());
        assertEquals(OptionalLong.empty(), client.closeAfterNanos());
    }

    @Test
    void everyAppOptionIsRead() throws IOException {
        Scenario s = ScenarioLoader.load(write(GOOD
            .replace("{ host = server, listen { port = 80, backlog = 128 } }",
                "{ host = server, listen { port = 8080, backlog = -1, address = \"10.0.0.1\", reuseaddr = true, reuseport = true },"
                    + " accept = 3, start = 5ms, close = 2s }")
            .replace("{ host = client, connect { to = \"server:80\" } }",
                "{ host = client, connect { to = \"10.0.0.1:8080\", bind = 0, reuseaddr = true },"
                    + " count = 20, start = 1.5ms, every = 250us, close = never }")));
        assertEquals(new ServerApp("server", 5 * MS, Skb.ip("10.0.0.1"), 8080, -1, true, true, 3, OptionalLong.of(2000 * MS)),
            s.apps().get(0));
        assertEquals(new ClientApp("client", 1_500_000, "server", 8080, 20, 250_000, OptionalInt.of(0), true, false,
            OptionalLong.empty()), s.apps().get(1));
    }

    // ---- errors: one line, file:line: key '...': what was expected ----

    @Test
    void aSyntaxErrorNamesTheLineAndWhatTheParserExpected() throws IOException {
        assertEquals("F:6: syntax error: List should have ended with ] or had a comma, instead had token: "
                + "'=' (if you want '=' to be part of a string value, then double-quote it)",
            errorReplacing("delay = 1ms } ]", "delay = 1ms }"));
        assertEquals("F:8: syntax error: Expecting close brace } or a comma, got ':' (if you intended ':' to be part "
                + "of a key or string value, try enclosing the key or value in double quotes)",
            errorReplacing("\"server:80\"", "server:80"));
    }

    @Test
    void anUnknownKeySuggestsTheNearestOne() throws IOException {
        assertEquals("F:2: key 'hosts.server.sysclt': unknown key (did you mean 'sysctl'?)",
            errorReplacing("server { ip = \"10.0.0.1\" }", "server { ip = \"10.0.0.1\", sysclt { } }"));
        assertEquals("F:5: key 'link': unknown key (did you mean 'links'?)",
            errorReplacing("links = [", "link = ["));
    }

    @Test
    void anUnknownKeyFarFromAnyListsTheKeysAllowedThere() throws IOException {
        assertEquals("F:10: key 'run.forever': unknown key; expected one of: until",
            errorReplacing("run { until = 10s }", "run { until = 10s, forever = true }"));
    }

    @Test
    void aKeyOfTheOtherKindOfAppSaysSo() throws IOException {
        assertEquals("F:8: key 'apps[1].accept': applies to a listen app, and this is a connect app",
            errorReplacing("connect { to = \"server:80\" } }", "connect { to = \"server:80\" }, accept = all }"));
    }

    @Test
    void aValueOfTheWrongTypeSaysWhatWasExpected() throws IOException {
        assertEquals("F:7: key 'apps[0].listen.port': expected a port 1..65535, got \"eighty\"",
            errorReplacing("port = 80", "port = eighty"));
        assertEquals("F:7: key 'apps[0].listen.port': expected a port 1..65535, got 0",
            errorReplacing("port = 80", "port = 0"));
        assertEquals("F:7: key 'apps[0].listen.reuseaddr': expected true or false, got 1",
            errorReplacing("backlog = 128", "backlog = 128, reuseaddr = 1"));
        assertEquals("F:2: key 'hosts.server.ip': expected a unicast IPv4 address such as \"10.0.0.1\", got \"10.0.0.256\"",
            errorReplacing("\"10.0.0.1\"", "\"10.0.0.256\""));
    }

    @Test
    void aLinkToAnUnknownHostIsRefused() throws IOException {
        assertEquals("F:5: key 'links[0].between[1]': unknown host 'sever' (did you mean 'server'?)",
            errorReplacing("[client, server]", "[client, sever]"));
    }

    @Test
    void anAppOnOrToAnUnknownHostIsRefused() throws IOException {
        assertEquals("F:7: key 'apps[0].host': unknown host 'web'; expected one of: server, client",
            errorReplacing("host = server", "host = web"));
        assertEquals("F:8: key 'apps[1].connect.to': unknown host 'db'; expected one of: server, client",
            errorReplacing("\"server:80\"", "\"db:5432\""));
        assertEquals("F:8: key 'apps[1].connect.to': no host has address 10.9.9.9 (hosts: server, client)",
            errorReplacing("\"server:80\"", "\"10.9.9.9:80\""));
    }

    @Test
    void aSysctlValueTheKernelWouldRefuseSaysTheKernelsRange() throws IOException {
        assertEquals("F:2: key 'hosts.server.sysctl.net.ipv4.tcp_syncookies': expected an integer 0..255, got \"yes\"",
            errorReplacing("server { ip = \"10.0.0.1\" }",
                "server { ip = \"10.0.0.1\", sysctl { \"net.ipv4.tcp_syncookies\" = yes } }"));
        assertEquals("F:3: key 'hosts.client.sysctl.net.ipv4.tcp_syn_retries': expected an integer 1..127, got 0",
            errorReplacing("client { ip = \"10.0.0.2\" }",
                "client { ip = \"10.0.0.2\", sysctl { net.ipv4.tcp_syn_retries = 0 } }"));
        assertEquals("F:3: key 'hosts.client.sysctl.net.ipv4.ip_local_port_range': expected two integers \"low high\", "
                + "1 <= low <= high <= 65535, low >= net.ipv4.ip_unprivileged_port_start (1024), got \"80 90\"",
            errorReplacing("client { ip = \"10.0.0.2\" }",
                "client { ip = \"10.0.0.2\", sysctl { net.ipv4.ip_local_port_range = 80 90 } }"));
    }

    @Test
    void anUnknownSysctlSuggestsTheKernelName() throws IOException {
        assertEquals("F:2: key 'hosts.server.sysctl.net.ipv4.tcp_syncokies': unknown sysctl "
                + "(did you mean 'net.ipv4.tcp_syncookies'?)",
            errorReplacing("server { ip = \"10.0.0.1\" }",
                "server { ip = \"10.0.0.1\", sysctl { net.ipv4.tcp_syncokies = 1 } }"));
        assertEquals("F:2: key 'hosts.server.sysctl.net.ipv4.somaxconn': unknown sysctl "
                + "(did you mean 'net.core.somaxconn'?)",
            errorReplacing("server { ip = \"10.0.0.1\" }",
                "server { ip = \"10.0.0.1\", sysctl { \"net.ipv4.somaxconn\" = 1 } }"));
    }

    @Test
    void aSysctlSetTwiceIsRefused() throws IOException {
        assertEquals("F:3: key 'hosts.server.sysctl.net.ipv4.tcp_syncookies': set twice (also at line 2)",
            errorReplacing("server { ip = \"10.0.0.1\" }",
                "server { ip = \"10.0.0.1\", sysctl { \"net.ipv4.tcp_syncookies\" = 0\n net.ipv4.tcp_syncookies = 2 } }"));
    }

    @Test
    void aBadDurationSaysWhatADurationLooksLike() throws IOException {
        assertEquals("F:5: key 'links[0].delay': expected a duration such as 250us, 1ms or 60s, got \"1 fortnight\"",
            errorReplacing("delay = 1ms", "delay = 1 fortnight"));
        assertEquals("F:5: key 'links[0].delay': expected a duration such as 250us, 1ms or 60s (a unit is required), got 1",
            errorReplacing("delay = 1ms", "delay = 1"));
        assertEquals("F:5: key 'links[0].delay': expected a duration such as 250us, 1ms or 60s, got \"-1ms\"",
            errorReplacing("delay = 1ms", "delay = -1ms"));
        assertEquals("F:10: key 'run.until': expected a positive duration such as 10s, got \"0s\"",
            errorReplacing("until = 10s", "until = 0s"));
    }

    @Test
    void aDuplicateAddressNamesTheHostThatHasIt() throws IOException {
        assertEquals("F:3: key 'hosts.client.ip': duplicate address \"10.0.0.1\": host 'server' has it (line 2)",
            errorReplacing("\"10.0.0.2\"", "\"10.0.0.1\""));
    }

    @Test
    void aMissingRequiredKeyIsNamed() throws IOException {
        assertEquals("F:7: key 'apps[0].listen.backlog': missing, expected the listen() backlog, an integer",
            errorReplacing("port = 80, backlog = 128", "port = 80"));
        assertEquals("F:3: key 'hosts.client.ip': missing, expected a unicast IPv4 address such as \"10.0.0.1\"",
            errorReplacing("client { ip = \"10.0.0.2\" }", "client { }"));
        assertEquals("F:1: key 'run': missing, expected run { until = 10s }",
            errorReplacing("run { until = 10s }", ""));
    }

    @Test
    void anAppMustListenOrConnectButNotBoth() throws IOException {
        assertEquals("F:7: key 'apps[0]': expected one of 'listen' or 'connect', got both",
            errorReplacing("backlog = 128 } }", "backlog = 128 }, connect { to = \"client:80\" } }"));
        assertEquals("F:8: key 'apps[1]': missing 'listen { ... }' (a server) or 'connect { ... }' (clients)",
            errorReplacing("{ host = client, connect { to = \"server:80\" } }", "{ host = client }"));
    }

    @Test
    void aSecondLinkBetweenTheSameHostsIsRefused() throws IOException {
        assertEquals("F:5: key 'links[1]': a second link between 'server' and 'client' (the first is at line 5)",
            errorReplacing("delay = 1ms } ]", "delay = 1ms }, { between = [server, client] } ]"));
    }

    @Test
    void modelInjectAndExploreBoundsAreRead() throws IOException {
        Scenario s = ScenarioLoader.load(write(GOOD + """
            model { inject = [ "check-established-unlocked", "listen-start-no-revalidate" ] }
            explore {
              timer-jitter = 2ms
              faults { drop = 2, duplicate = 1, delay = 5ms }
              invariants = [ ehash-unique ]
            }
            """));
        assertEquals(java.util.Set.of(tcpsim.net.Inject.CHECK_ESTABLISHED_UNLOCKED, tcpsim.net.Inject.LISTEN_START_NO_REVALIDATE),
            s.inject());
        assertEquals(new ExploreSpec(2 * MS, 2, 1, 5 * MS, List.of("ehash-unique")), s.explore());
        Scenario plain = ScenarioLoader.load(write(GOOD));
        assertTrue(plain.inject().isEmpty());
        assertEquals(ExploreSpec.NONE, plain.explore());
    }

    @Test
    void anUnknownSwitchSuggestsTheNearestAndATwiceNamedOneIsRefused() throws IOException {
        assertEquals("F:11: key 'model.inject[0]': unknown switch 'check-establish'; expected one of: "
            + "bhash-released-before-ehash-check, check-established-unlocked, reqsk-queue-add-no-listen-check, "
            + "ehash-insert-no-own-req, reqsk-unlink-timer-pending, listen-start-no-revalidate",
            error(GOOD + "model { inject = [ \"check-establish\" ] }\n"));
        assertTrue(error(GOOD + "model { inject = [ ehash-insert-no-own-req, ehash-insert-no-own-req ] }\n")
            .endsWith("key 'model.inject[1]': switch 'ehash-insert-no-own-req' named twice"));
        assertTrue(error(GOOD + "explore { faults { drop = -1 } }\n").contains("explore.faults.drop"));
        assertTrue(error(GOOD + "explore { fault { drop = 1 } }\n").contains("explore.fault"));
    }

    @Test
    void aMissingFileIsOneLineToo() {
        Path f = dir.resolve("nope.conf");
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f));
        assertEquals(f + ": cannot read the scenario file: no such readable file", e.getMessage());
    }

    @Test
    void theExceptionCarriesFileLineAndKey() throws IOException {
        Path f = write(GOOD.replace("port = 80", "port = 70000"));
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f));
        assertEquals(f.toString(), e.file());
        assertEquals(7, e.line());
        assertEquals("apps[0].listen.port", e.key());
    }

    /** Found by the fuzzer (seed 20250611): a U+2028 in a key split the one-line message in two. */
    @Test
    void separatorAndControlCharactersInAKeyAreEscapedSoTheErrorStaysOneLine() throws IOException {
        assertEquals("F:5: key 'lin\\u2028ks': unknown key (did you mean 'links'?)",
            errorReplacing("links = [", "lin\u2028ks = ["));
        assertEquals("F:5: key 'lin\\u202Eks': unknown key (did you mean 'links'?)",
            errorReplacing("links = [", "\"lin\u202eks\" = ["));
    }
}
