package tcpsim.net;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tcpsim.net.Sysctls.Sysctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysctlsTest {

    /**
     * kernel-reference.md §1 and §6.1, each confirmed in a fresh namespace on this machine
     * ({@code unshare -n sysctl NAME}, Linux 6.18). The memory-dependent ones (tcp_max_syn_backlog,
     * tcp_max_tw_buckets, tcp_rmem[2]) and those the reference does not give (rmem_max, tcp_ecn,
     * tcp_sack, tcp_window_scaling, tcp_wmem, tcp_base_mss, tcp_mtu_probing, tcp_no_metrics_save,
     * ip_unprivileged_port_start) are what that namespace shows.
     */
    private static final Map<String, String> KERNEL = Map.ofEntries(
        Map.entry("net.core.somaxconn", "4096"),
        Map.entry("net.core.rmem_max", "4194304"),
        Map.entry("net.ipv4.tcp_max_syn_backlog", "2048"),
        Map.entry("net.ipv4.tcp_syncookies", "1"),
        Map.entry("net.ipv4.tcp_abort_on_overflow", "0"),
        Map.entry("net.ipv4.ip_local_port_range", "32768 60999"),
        Map.entry("net.ipv4.ip_local_reserved_ports", ""),
        Map.entry("net.ipv4.ip_unprivileged_port_start", "1024"),
        Map.entry("net.ipv4.ip_autobind_reuse", "0"),
        Map.entry("net.ipv4.tcp_syn_retries", "6"),
        Map.entry("net.ipv4.tcp_syn_linear_timeouts", "4"),
        Map.entry("net.ipv4.tcp_synack_retries", "5"),
        Map.entry("net.ipv4.tcp_fin_timeout", "60"),
        Map.entry("net.ipv4.tcp_tw_reuse", "2"),
        Map.entry("net.ipv4.tcp_max_tw_buckets", "131072"),
        Map.entry("net.ipv4.tcp_fastopen", "1"),
        Map.entry("net.ipv4.tcp_fastopen_blackhole_timeout_sec", "0"),
        Map.entry("net.ipv4.tcp_timestamps", "1"),
        Map.entry("net.ipv4.tcp_sack", "1"),
        Map.entry("net.ipv4.tcp_window_scaling", "1"),
        Map.entry("net.ipv4.tcp_ecn", "2"),
        Map.entry("net.ipv4.tcp_rmem", "4096 131072 33554432"),
        Map.entry("net.ipv4.tcp_wmem", "4096 16384 4194304"),
        Map.entry("net.ipv4.tcp_orphan_retries", "0"),
        Map.entry("net.ipv4.tcp_rfc1337", "0"),
        Map.entry("net.ipv4.tcp_migrate_req", "0"),
        Map.entry("net.ipv4.tcp_retries1", "3"),
        Map.entry("net.ipv4.tcp_retries2", "15"),
        Map.entry("net.ipv4.tcp_keepalive_time", "7200"),
        Map.entry("net.ipv4.tcp_keepalive_intvl", "75"),
        Map.entry("net.ipv4.tcp_keepalive_probes", "9"),
        Map.entry("net.ipv4.tcp_base_mss", "1024"),
        Map.entry("net.ipv4.tcp_mtu_probing", "0"),
        Map.entry("net.ipv4.tcp_no_metrics_save", "0"));

    /** Every int getter, by the sysctl (and element) it must read. */
    private static final Map<String, ToIntFunction<Sysctls>> GETTERS = Map.ofEntries(
        Map.entry("net.core.somaxconn", Sysctls::somaxconn),
        Map.entry("net.core.rmem_max", Sysctls::rmemMax),
        Map.entry("net.ipv4.tcp_max_syn_backlog", Sysctls::tcpMaxSynBacklog),
        Map.entry("net.ipv4.tcp_syncookies", Sysctls::tcpSyncookies),
        Map.entry("net.ipv4.tcp_abort_on_overflow", Sysctls::tcpAbortOnOverflow),
        Map.entry("net.ipv4.ip_local_port_range[0]", Sysctls::ipLocalPortRangeLow),
        Map.entry("net.ipv4.ip_local_port_range[1]", Sysctls::ipLocalPortRangeHigh),
        Map.entry("net.ipv4.ip_unprivileged_port_start", Sysctls::ipUnprivilegedPortStart),
        Map.entry("net.ipv4.ip_autobind_reuse", Sysctls::ipAutobindReuse),
        Map.entry("net.ipv4.tcp_syn_retries", Sysctls::tcpSynRetries),
        Map.entry("net.ipv4.tcp_syn_linear_timeouts", Sysctls::tcpSynLinearTimeouts),
        Map.entry("net.ipv4.tcp_synack_retries", Sysctls::tcpSynackRetries),
        Map.entry("net.ipv4.tcp_fin_timeout", Sysctls::tcpFinTimeout),
        Map.entry("net.ipv4.tcp_tw_reuse", Sysctls::tcpTwReuse),
        Map.entry("net.ipv4.tcp_max_tw_buckets", Sysctls::tcpMaxTwBuckets),
        Map.entry("net.ipv4.tcp_fastopen", Sysctls::tcpFastopen),
        Map.entry("net.ipv4.tcp_fastopen_blackhole_timeout_sec", Sysctls::tcpFastopenBlackholeTimeoutSec),
        Map.entry("net.ipv4.tcp_timestamps", Sysctls::tcpTimestamps),
        Map.entry("net.ipv4.tcp_sack", Sysctls::tcpSack),
        Map.entry("net.ipv4.tcp_window_scaling", Sysctls::tcpWindowScaling),
        Map.entry("net.ipv4.tcp_ecn", Sysctls::tcpEcn),
        Map.entry("net.ipv4.tcp_rmem[0]", Sysctls::tcpRmemMin),
        Map.entry("net.ipv4.tcp_rmem[1]", Sysctls::tcpRmemDefault),
        Map.entry("net.ipv4.tcp_rmem[2]", Sysctls::tcpRmemMax),
        Map.entry("net.ipv4.tcp_wmem[0]", Sysctls::tcpWmemMin),
        Map.entry("net.ipv4.tcp_wmem[1]", Sysctls::tcpWmemDefault),
        Map.entry("net.ipv4.tcp_wmem[2]", Sysctls::tcpWmemMax),
        Map.entry("net.ipv4.tcp_orphan_retries", Sysctls::tcpOrphanRetries),
        Map.entry("net.ipv4.tcp_rfc1337", Sysctls::tcpRfc1337),
        Map.entry("net.ipv4.tcp_migrate_req", Sysctls::tcpMigrateReq),
        Map.entry("net.ipv4.tcp_retries1", Sysctls::tcpRetries1),
        Map.entry("net.ipv4.tcp_retries2", Sysctls::tcpRetries2),
        Map.entry("net.ipv4.tcp_keepalive_time", Sysctls::tcpKeepaliveTime),
        Map.entry("net.ipv4.tcp_keepalive_intvl", Sysctls::tcpKeepaliveIntvl),
        Map.entry("net.ipv4.tcp_keepalive_probes", Sysctls::tcpKeepaliveProbes),
        Map.entry("net.ipv4.tcp_base_mss", Sysctls::tcpBaseMss),
        Map.entry("net.ipv4.tcp_mtu_probing", Sysctls::tcpMtuProbing),
        Map.entry("net.ipv4.tcp_no_metrics_save", Sysctls::tcpNoMetricsSave));

    private static Config applicationConf() {
        Path home = Path.of(System.getProperty("tcpsim.home", "."));
        return ConfigFactory.parseFile(home.resolve("conf/application.conf").toFile());
    }

    @Test
    void defaultsAreWhatAFreshNamespaceShows() {
        Sysctls d = Sysctls.defaults();
        assertEquals(new TreeSet<>(KERNEL.keySet()), new TreeSet<>(Sysctls.names()));
        for (String name : Sysctls.names()) assertEquals(KERNEL.get(name), d.get(name), name);
    }

    @Test
    void applicationConfSetsExactlyTheRegisteredSysctlsToTheDefaultValues() {
        Config conf = applicationConf();
        Set<String> inConf = conf.getObject(Sysctls.CONFIG_PATH).keySet();
        assertEquals(new TreeSet<>(Sysctls.names()), new TreeSet<>(inConf));
        for (String name : Sysctls.names()) {
            String text = conf.getString(ConfigUtil.joinPath("tcpsim", "sysctl", name));
            assertEquals(Sysctls.defaults().get(name), text, name);
        }
    }

    @Test
    void defaultsRefuseAConfThatMissesARegisteredSysctl() {
        Config conf = applicationConf().withoutPath(ConfigUtil.joinPath("tcpsim", "sysctl", "net.ipv4.tcp_ecn"));
        ConfigException e = assertThrows(ConfigException.class, () -> Sysctls.fromConfig(conf));
        assertTrue(e.getMessage().contains("no default for \"net.ipv4.tcp_ecn\""), e.getMessage());
    }

    @Test
    void defaultsRefuseAConfThatNamesAnUnknownSysctl() {
        Config conf = applicationConf().withValue(ConfigUtil.joinPath("tcpsim", "sysctl", "net.ipv4.tcp_syncokies"),
            ConfigValueFactory.fromAnyRef(1));
        ConfigException e = assertThrows(ConfigException.class, () -> Sysctls.fromConfig(conf));
        assertTrue(e.getMessage().contains("tcpsim.sysctl.\"net.ipv4.tcp_syncokies\""), e.getMessage());
    }

    @Test
    void defaultsRefuseAValueTheKernelWouldRefuse() {
        Config conf = applicationConf().withValue(ConfigUtil.joinPath("tcpsim", "sysctl", "net.ipv4.tcp_syn_retries"),
            ConfigValueFactory.fromAnyRef(0));
        ConfigException e = assertThrows(ConfigException.class, () -> Sysctls.fromConfig(conf));
        assertTrue(e.getMessage().contains("expected an integer 1..127, got \"0\""), e.getMessage());
    }

    @Test
    void everyGetterReadsItsOwnSysctl() {
        // Change one sysctl at a time: a getter wired to another sysctl's field then disagrees with get().
        Sysctls d = Sysctls.defaults();
        for (Sysctl s : Sysctl.values()) {
            String changed = switch (s.kind()) {
                case INT -> Integer.toString(Integer.parseInt(d.get(s.key())) == s.min() ? s.min() + 1 : s.min());
                case INT_PAIR -> "40001 40002";
                case INT_TRIPLE -> "5000 6000 7000";
                case PORT_LIST -> "8080";
            };
            Sysctls v = d.with(s.key(), changed);
            assertNotEquals(d, v, s.key());
            for (Map.Entry<String, ToIntFunction<Sysctls>> g : GETTERS.entrySet()) {
                String name = g.getKey().replaceAll("\\[\\d]$", "");
                int element = g.getKey().endsWith("]") ? g.getKey().charAt(g.getKey().length() - 2) - '0' : 0;
                assertEquals(v.get(name).split(" ")[element], Integer.toString(g.getValue().applyAsInt(v)),
                    g.getKey() + " after changing " + s.key());
            }
        }
        for (Sysctl s : Sysctl.values()) {
            if (s.kind() != Sysctls.Kind.PORT_LIST) {
                assertTrue(GETTERS.containsKey(s.key()) || GETTERS.containsKey(s.key() + "[0]"), "no getter for " + s.key());
            }
        }
    }

    @ParameterizedTest(name = "{0} = \"{1}\" is refused")
    @CsvSource(delimiter = '|', textBlock = """
        net.ipv4.tcp_syncookies             | 256           | an integer 0..255
        net.ipv4.tcp_syncookies             | -1            | an integer 0..255
        net.ipv4.tcp_abort_on_overflow      | 256           | an integer 0..255
        net.ipv4.tcp_syn_retries            | 0             | an integer 1..127
        net.ipv4.tcp_syn_retries            | 128           | an integer 1..127
        net.ipv4.tcp_syn_linear_timeouts    | 128           | an integer 0..127
        net.ipv4.tcp_tw_reuse               | 3             | an integer 0..2
        net.ipv4.tcp_ecn                    | 3             | an integer 0..2
        net.ipv4.tcp_migrate_req            | 2             | an integer 0..1
        net.ipv4.ip_autobind_reuse          | 2             | an integer 0..1
        net.core.somaxconn                  | -1            | an integer 0..2147483647
        net.core.rmem_max                   | 2303          | an integer 2304..2147483647
        net.ipv4.tcp_max_syn_backlog        | 2147483648    | an integer -2147483648..2147483647
        net.ipv4.tcp_fin_timeout            | 8589935       | an integer -8589934..8589934
        net.ipv4.tcp_keepalive_time         | -8589935      | an integer -8589934..8589934
        net.ipv4.tcp_fastopen_blackhole_timeout_sec | -1    | an integer 0..2147483647
        net.ipv4.ip_unprivileged_port_start | 65536         | an integer 0..65535
        net.ipv4.ip_local_port_range        | 60999 32768   | two integers "low high", 1 <= low <= high <= 65535
        net.ipv4.ip_local_port_range        | 32768 65536   | two integers "low high", 1 <= low <= high <= 65535
        net.ipv4.ip_local_port_range        | 32768         | two integers "low high", 1 <= low <= high <= 65535
        net.ipv4.tcp_rmem                   | 0 131072 6291456 | three integers "min default max", each 1..2147483647
        net.ipv4.tcp_wmem                   | 4096 16384    | three integers "min default max", each 1..2147483647
        net.ipv4.ip_local_reserved_ports    | 65536         | ports or ranges 0..65535 separated by commas, such as "8080,9000-9010", or "" for none
        net.ipv4.ip_local_reserved_ports    | 10-5          | ports or ranges 0..65535 separated by commas, such as "8080,9000-9010", or "" for none
        net.ipv4.tcp_syncookies             | yes           | an integer 0..255
        net.ipv4.tcp_syncookies             | 1.5           | an integer 0..255
        net.ipv4.tcp_syncookies             | 1 2           | an integer 0..255
        """)
    void withRefusesWhatTheKernelRefusesAndSaysWhatItTakes(String name, String value, String expected) {
        SysctlException e = assertThrows(SysctlException.class, () -> Sysctls.defaults().with(name, value));
        assertEquals(name + ": expected " + expected + ", got \"" + value + "\"", e.getMessage());
        assertEquals(name, e.name());
        assertEquals(expected, e.expected());
    }

    @ParameterizedTest(name = "{0} = \"{1}\" reads back as \"{2}\"")
    @CsvSource(delimiter = '|', textBlock = """
        net.ipv4.tcp_syncookies          | 255             | 255
        net.ipv4.tcp_syn_retries         | 1               | 1
        net.ipv4.tcp_syn_retries         | 127             | 127
        net.ipv4.tcp_fin_timeout         | -8589934        | -8589934
        net.ipv4.tcp_fastopen            | 0x403           | 1027
        net.ipv4.tcp_max_syn_backlog     | -1              | -1
        net.core.rmem_max                | 2304            | 2304
        net.ipv4.ip_local_port_range     | '  1024   1024 ' | 1024 1024
        net.ipv4.tcp_rmem                | 5 4 3           | 5 4 3
        net.ipv4.ip_local_reserved_ports | 0               | 0
        net.ipv4.ip_local_reserved_ports | 3,1,2,65535     | 1-3,65535
        net.ipv4.ip_local_reserved_ports | 8080, 9000-9002 | 8080,9000-9002
        """)
    void withTakesWhatTheKernelTakes(String name, String value, String shown) {
        assertEquals(shown, Sysctls.defaults().with(name, value).get(name));
    }

    @Test
    void withReturnsANewValueAndLeavesTheOriginalAlone() {
        Sysctls d = Sysctls.defaults();
        Sysctls off = d.with("net.ipv4.tcp_syncookies", "0");
        assertEquals(0, off.tcpSyncookies());
        assertEquals(1, d.tcpSyncookies());
        assertNotEquals(d, off);
        assertEquals(d, off.with("net.ipv4.tcp_syncookies", "1"));
    }

    @Test
    void anUnknownNameIsRefused() {
        SysctlException e = assertThrows(SysctlException.class,
            () -> Sysctls.defaults().with("net.ipv4.tcp_syncokies", "1"));
        assertTrue(e.unknownName());
        assertEquals("net.ipv4.tcp_syncokies: unknown sysctl", e.getMessage());
    }

    @Test
    void aPortRangeBelowTheUnprivilegedStartIsRefusedAsByIpv4LocalPortRange() {
        SysctlException e = assertThrows(SysctlException.class,
            () -> Sysctls.defaults().with("net.ipv4.ip_local_port_range", "100 200"));
        assertEquals("net.ipv4.ip_local_port_range: expected two integers \"low high\", 1 <= low <= high <= 65535, "
            + "low >= net.ipv4.ip_unprivileged_port_start (1024), got \"100 200\"", e.getMessage());
    }

    @Test
    void anUnprivilegedStartAboveThePortRangeIsRefusedAsByIpv4PrivilegedPorts() {
        SysctlException e = assertThrows(SysctlException.class,
            () -> Sysctls.defaults().with("net.ipv4.ip_unprivileged_port_start", "40000"));
        assertEquals("net.ipv4.ip_unprivileged_port_start: expected an integer 0..65535 not above the low end of "
            + "net.ipv4.ip_local_port_range (32768), got \"40000\"", e.getMessage());
    }

    @Test
    void oneByOneTheOrderOfWritesMattersAsInTheKernel() {
        Sysctls d = Sysctls.defaults();
        Sysctls ok = d.with("net.ipv4.ip_unprivileged_port_start", "0").with("net.ipv4.ip_local_port_range", "100 200");
        assertEquals(100, ok.ipLocalPortRangeLow());
        assertThrows(SysctlException.class, () -> d.with("net.ipv4.ip_local_port_range", "100 200"));
    }

    @Test
    void setTogetherTheOrderOfWritesDoesNotMatter() {
        Map<String, String> rangeFirst = new LinkedHashMap<>();
        rangeFirst.put("net.ipv4.ip_local_port_range", "50000 60000");
        rangeFirst.put("net.ipv4.ip_unprivileged_port_start", "40000");
        Map<String, String> startFirst = new LinkedHashMap<>();
        startFirst.put("net.ipv4.ip_unprivileged_port_start", "40000");
        startFirst.put("net.ipv4.ip_local_port_range", "50000 60000");
        Sysctls a = Sysctls.defaults().with(rangeFirst);
        assertEquals(a, Sysctls.defaults().with(startFirst));
        assertEquals(40000, a.ipUnprivilegedPortStart());
        assertEquals(50000, a.ipLocalPortRangeLow());
        assertEquals(60000, a.ipLocalPortRangeHigh());
    }

    @Test
    void reservedPortsAreLookedUpAsInetIsLocalReservedPortDoes() {
        Sysctls r = Sysctls.defaults().with("net.ipv4.ip_local_reserved_ports", "8080,9000-9002");
        assertTrue(r.isLocalReservedPort(8080));
        assertTrue(r.isLocalReservedPort(9000));
        assertTrue(r.isLocalReservedPort(9002));
        assertFalse(r.isLocalReservedPort(8079));
        assertFalse(r.isLocalReservedPort(9003));
        assertFalse(r.isLocalReservedPort(-1));
        assertFalse(r.isLocalReservedPort(65536));
        assertFalse(Sysctls.defaults().isLocalReservedPort(8080));
        assertEquals("", r.with("net.ipv4.ip_local_reserved_ports", "").get("net.ipv4.ip_local_reserved_ports"));
    }

    @Test
    void everySysctlSaysWhatItMeansAndWhereTheKernelReadsIt() {
        for (Sysctl s : Sysctl.values()) {
            assertTrue(s.key().matches("net\\.(core|ipv4)\\.[a-z0-9_]+"), s.key());
            assertFalse(s.meaning().isBlank(), s.key());
            assertTrue(s.citation().matches("(net|include)/[a-z0-9_/]+\\.[ch]: \\w+.*"), s.key() + ": " + s.citation());
            assertTrue(s.min() <= s.max(), s.key());
        }
    }
}
