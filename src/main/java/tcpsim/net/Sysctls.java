package tcpsim.net;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;


/**
 * The sysctls of one network namespace that the model reads, under their kernel names: an immutable
 * value, read on hot paths through plain final fields.
 *
 * <p>One source of truth each: {@link Sysctl} holds names, forms, ranges and meanings; the default
 * values live in {@code conf/application.conf} under {@code tcpsim.sysctl}, as a fresh network
 * namespace on the project's machines shows them ({@code unshare -n sysctl NAME}, Linux 6.18).
 *
 * <p>Ranges are what the kernel's proc handlers accept ({@code net/ipv4/sysctl_net_ipv4.c},
 * {@code net/core/sysctl_net_core.c}), confirmed by writing the boundary values in a fresh netns:
 * {@code proc_dou8vec_minmax} without limits takes 0..255, {@code proc_dointvec} any int,
 * {@code proc_dointvec_jiffies} ±INT_MAX/HZ seconds. Numbers are decimal or {@code 0x} hex; a
 * leading-zero number, which the kernel reads as octal, is refused as too easy to misread. Vectors
 * are whitespace-separated and must be complete (the kernel would keep unwritten elements).
 */
public final class Sysctls {

    /** How a value is written to /proc/sys. */
    public enum Kind {
        /** One integer. */
        INT(1),
        /** Two integers, "low high". */
        INT_PAIR(2),
        /** Three integers, "min default max". */
        INT_TRIPLE(3),
        /** Comma-separated ports and ranges, "8080,9000-9010" ({@code proc_do_large_bitmap}). */
        PORT_LIST(0);

        private final int width;

        Kind(int width) { this.width = width; }
    }

    private static final int INT_MIN = Integer.MIN_VALUE;
    private static final int INT_MAX = Integer.MAX_VALUE;
    private static final int U8_MAX = 255;
    /** proc_dointvec_jiffies refuses more than INT_MAX / HZ seconds; CONFIG_HZ = 250 here. */
    private static final int JIFFY_SECS = Integer.MAX_VALUE / 250;
    /** SOCK_MIN_RCVBUF = 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) on x86-64; 2303 is refused. */
    private static final int SOCK_MIN_RCVBUF = 2304;
    /** include/net/tcp.h: MAX_TCP_SYNCNT */
    private static final int MAX_TCP_SYNCNT = 127;

    /** The registry: every sysctl the model reads, with its form, range, meaning and kernel source. */
    public enum Sysctl {
        SOMAXCONN("net.core.somaxconn", Kind.INT, 0, INT_MAX,
            "ceiling on the listen() backlog: a larger or negative backlog becomes somaxconn",
            "net/socket.c: __sys_listen_socket"),
        RMEM_MAX("net.core.rmem_max", Kind.INT, SOCK_MIN_RCVBUF, INT_MAX,
            "largest SO_RCVBUF; with tcp_rmem[2] it sets the window scale a SYN offers (global: read-only in a child netns)",
            "net/ipv4/tcp_output.c: tcp_select_initial_window"),
        TCP_MAX_SYN_BACKLOG("net.ipv4.tcp_max_syn_backlog", Kind.INT, INT_MIN, INT_MAX,
            "with tcp_syncookies=0, SYNs from unproven peers are dropped in its last quarter; it does not size the SYN queue",
            "net/ipv4/tcp_input.c: tcp_conn_request"),
        TCP_SYNCOOKIES("net.ipv4.tcp_syncookies", Kind.INT, 0, U8_MAX,
            "0: never send syncookies; 1: only while the SYN queue is full; 2: for every SYN",
            "net/ipv4/tcp_input.c: tcp_syn_flood_action"),
        TCP_ABORT_ON_OVERFLOW("net.ipv4.tcp_abort_on_overflow", Kind.INT, 0, U8_MAX,
            "non-zero: a full accept queue answers the handshake's last ACK with RST instead of dropping it",
            "net/ipv4/tcp_minisocks.c: tcp_check_req"),
        IP_LOCAL_PORT_RANGE("net.ipv4.ip_local_port_range", Kind.INT_PAIR, 1, 65535,
            "inclusive range of ephemeral ports for connect() and bind(0); low may not be below ip_unprivileged_port_start",
            "net/ipv4/inet_connection_sock.c: inet_sk_get_local_port_range; net/ipv4/sysctl_net_ipv4.c: ipv4_local_port_range"),
        IP_LOCAL_RESERVED_PORTS("net.ipv4.ip_local_reserved_ports", Kind.PORT_LIST, 0, 65535,
            "ports automatic selection (connect(), bind(0)) skips; an explicit bind() may still take them",
            "include/net/ip.h: inet_is_local_reserved_port"),
        IP_UNPRIVILEGED_PORT_START("net.ipv4.ip_unprivileged_port_start", Kind.INT, 0, 65535,
            "lowest port bind() allows without CAP_NET_BIND_SERVICE; may not exceed the low end of ip_local_port_range",
            "include/net/ip.h: inet_port_requires_bind_service; net/ipv4/sysctl_net_ipv4.c: ipv4_privileged_ports"),
        IP_AUTOBIND_REUSE("net.ipv4.ip_autobind_reuse", Kind.INT, 0, 1,
            "1: bind(0) makes a second pass that may share a port under SO_REUSEADDR",
            "net/ipv4/inet_connection_sock.c: inet_csk_find_open_port"),
        TCP_SYN_RETRIES("net.ipv4.tcp_syn_retries", Kind.INT, 1, MAX_TCP_SYNCNT,
            "SYN retransmissions (plus tcp_syn_linear_timeouts) before connect() fails with ETIMEDOUT",
            "net/ipv4/tcp_timer.c: tcp_write_timeout"),
        TCP_SYN_LINEAR_TIMEOUTS("net.ipv4.tcp_syn_linear_timeouts", Kind.INT, 0, MAX_TCP_SYNCNT,
            "the first N SYN retransmissions keep the initial RTO instead of doubling it",
            "net/ipv4/tcp_timer.c: tcp_retransmit_timer"),
        TCP_SYNACK_RETRIES("net.ipv4.tcp_synack_retries", Kind.INT, 0, U8_MAX,
            "SYN-ACK retransmissions before a request sock is dropped",
            "net/ipv4/inet_connection_sock.c: reqsk_timer_handler"),
        TCP_FIN_TIMEOUT("net.ipv4.tcp_fin_timeout", Kind.INT, -JIFFY_SECS, JIFFY_SECS,
            "seconds an orphaned FIN_WAIT2 socket lives, unless TCP_LINGER2 says otherwise",
            "include/net/tcp.h: tcp_fin_time"),
        TCP_TW_REUSE("net.ipv4.tcp_tw_reuse", Kind.INT, 0, 2,
            "connect() may take over a TIME_WAIT 4-tuple: 0 never, 1 yes, 2 only for loopback",
            "net/ipv4/tcp_ipv4.c: tcp_twsk_unique"),
        TCP_MAX_TW_BUCKETS("net.ipv4.tcp_max_tw_buckets", Kind.INT, INT_MIN, INT_MAX,
            "TIME_WAIT sockets allowed; past it a closing socket skips TIME_WAIT (TCPTimeWaitOverflow)",
            "net/ipv4/inet_timewait_sock.c: inet_twsk_alloc"),
        TCP_FASTOPEN("net.ipv4.tcp_fastopen", Kind.INT, INT_MIN, INT_MAX,
            "TFO flags: 0x1 client, 0x2 server, 0x4 client data without cookie, 0x200 server takes data without cookie, 0x400 every listener",
            "net/ipv4/tcp_fastopen.c: tcp_try_fastopen"),
        TCP_FASTOPEN_BLACKHOLE_TIMEOUT_SEC("net.ipv4.tcp_fastopen_blackhole_timeout_sec", Kind.INT, 0, INT_MAX,
            "seconds active TFO stays off after a suspected black hole, doubling per repeat; 0 disables the detection",
            "net/ipv4/tcp_fastopen.c: tcp_fastopen_active_should_disable"),
        TCP_TIMESTAMPS("net.ipv4.tcp_timestamps", Kind.INT, 0, U8_MAX,
            "0 off; 1 on, with a per-connection random offset; 2 on, without the offset",
            "net/ipv4/tcp_output.c: tcp_syn_options"),
        TCP_SACK("net.ipv4.tcp_sack", Kind.INT, 0, U8_MAX,
            "offer and accept SACK-permitted in the handshake",
            "net/ipv4/tcp_output.c: tcp_syn_options"),
        TCP_WINDOW_SCALING("net.ipv4.tcp_window_scaling", Kind.INT, 0, U8_MAX,
            "offer and accept window scaling (RFC 7323) in the handshake",
            "net/ipv4/tcp_output.c: tcp_connect_init"),
        TCP_ECN("net.ipv4.tcp_ecn", Kind.INT, 0, 2,
            "0 off; 1 request ECN on outgoing and accept it on incoming connections; 2 accept it on incoming only",
            "net/ipv4/tcp_output.c: tcp_ecn_send_syn"),
        TCP_RMEM("net.ipv4.tcp_rmem", Kind.INT_TRIPLE, 1, INT_MAX,
            "receive buffer min, default and max in bytes; max also bounds the window scale",
            "net/ipv4/tcp.c: tcp_init_sock"),
        TCP_WMEM("net.ipv4.tcp_wmem", Kind.INT_TRIPLE, 1, INT_MAX,
            "send buffer min, default and max in bytes",
            "net/ipv4/tcp.c: tcp_init_sock"),
        TCP_ORPHAN_RETRIES("net.ipv4.tcp_orphan_retries", Kind.INT, 0, U8_MAX,
            "retransmissions for an orphaned socket; 0 means 8 while the socket looks alive",
            "net/ipv4/tcp_timer.c: tcp_orphan_retries"),
        TCP_RFC1337("net.ipv4.tcp_rfc1337", Kind.INT, 0, U8_MAX,
            "0: a RST kills a TIME_WAIT socket; non-zero: TIME_WAIT ignores RSTs (RFC 1337)",
            "net/ipv4/tcp_minisocks.c: tcp_timewait_state_process"),
        TCP_MIGRATE_REQ("net.ipv4.tcp_migrate_req", Kind.INT, 0, 1,
            "1: a closing SO_REUSEPORT listener hands its requests and children to another listener",
            "net/core/sock_reuseport.c: reuseport_migrate_sock"),
        TCP_RETRIES1("net.ipv4.tcp_retries1", Kind.INT, 0, U8_MAX,
            "RTOs before the route is reported suspect (negative advice)",
            "net/ipv4/tcp_timer.c: tcp_write_timeout"),
        TCP_RETRIES2("net.ipv4.tcp_retries2", Kind.INT, 0, U8_MAX,
            "RTOs before a connected socket gives up with ETIMEDOUT",
            "net/ipv4/tcp_timer.c: tcp_write_timeout"),
        TCP_KEEPALIVE_TIME("net.ipv4.tcp_keepalive_time", Kind.INT, -JIFFY_SECS, JIFFY_SECS,
            "idle seconds before the first keepalive probe on an SO_KEEPALIVE socket",
            "net/ipv4/tcp_timer.c: tcp_keepalive_timer"),
        TCP_KEEPALIVE_INTVL("net.ipv4.tcp_keepalive_intvl", Kind.INT, -JIFFY_SECS, JIFFY_SECS,
            "seconds between keepalive probes",
            "net/ipv4/tcp_timer.c: tcp_keepalive_timer"),
        TCP_KEEPALIVE_PROBES("net.ipv4.tcp_keepalive_probes", Kind.INT, 0, U8_MAX,
            "unanswered keepalive probes before the connection is reset",
            "net/ipv4/tcp_timer.c: tcp_keepalive_timer"),
        TCP_BASE_MSS("net.ipv4.tcp_base_mss", Kind.INT, INT_MIN, INT_MAX,
            "MSS that MTU probing starts its search from",
            "net/ipv4/tcp_output.c: tcp_mtup_init"),
        TCP_MTU_PROBING("net.ipv4.tcp_mtu_probing", Kind.INT, 0, U8_MAX,
            "0 off; 1 probe once an ICMP black hole is suspected; 2 always",
            "net/ipv4/tcp_output.c: tcp_mtup_init"),
        TCP_NO_METRICS_SAVE("net.ipv4.tcp_no_metrics_save", Kind.INT, 0, U8_MAX,
            "non-zero: do not cache a destination's RTT and cwnd when a connection closes",
            "net/ipv4/tcp_metrics.c: tcp_update_metrics");

        private final String key;
        private final Kind kind;
        private final int min;
        private final int max;
        private final String meaning;
        private final String citation;

        Sysctl(String key, Kind kind, int min, int max, String meaning, String citation) {
            this.key = key;
            this.kind = kind;
            this.min = min;
            this.max = max;
            this.meaning = meaning;
            this.citation = citation;
        }

        /** The kernel name, e.g. {@code net.ipv4.tcp_syncookies}. */
        public String key() { return key; }
        public Kind kind() { return kind; }
        /** Smallest value the proc handler accepts (each element, for vectors and port lists). */
        public int min() { return min; }
        /** Largest value the proc handler accepts (each element, for vectors and port lists). */
        public int max() { return max; }
        /** One line: what the kernel does with it. */
        public String meaning() { return meaning; }
        /** Where the kernel reads it. */
        public String citation() { return citation; }

        /** What a valid value looks like, for error messages: {@code an integer 0..2}. */
        public String expected() {
            return switch (kind) {
                case INT -> "an integer " + min + ".." + max;
                case INT_PAIR -> "two integers \"low high\", " + min + " <= low <= high <= " + max;
                case INT_TRIPLE -> "three integers \"min default max\", each " + min + ".." + max;
                case PORT_LIST -> "ports or ranges " + min + ".." + max
                    + " separated by commas, such as \"8080,9000-9010\", or \"\" for none";
            };
        }

        private static final Map<String, Sysctl> BY_KEY = new LinkedHashMap<>();

        static {
            for (Sysctl s : values()) BY_KEY.put(s.key, s);
        }

        public static Optional<Sysctl> byName(String key) {
            return Optional.ofNullable(BY_KEY.get(key));
        }
    }

    /** Where application.conf keeps the defaults. */
    public static final String CONFIG_PATH = "tcpsim.sysctl";

    private static final Sysctl[] ALL = Sysctl.values();
    private static final List<String> NAMES;
    /** Index of each sysctl's first int in {@link #raw}; port lists take no slot. */
    private static final int[] SLOT = new int[ALL.length];
    private static final int SLOTS;
    private static final long[] NO_PORTS = new long[65536 / 64];

    static {
        List<String> names = new ArrayList<>();
        int slot = 0;
        for (Sysctl s : ALL) {
            names.add(s.key);
            SLOT[s.ordinal()] = slot;
            slot += s.kind.width;
        }
        NAMES = Collections.unmodifiableList(names);
        SLOTS = slot;
    }

    private static volatile Sysctls defaults;

    /** Every int value by slot; never written after construction. */
    private final int[] raw;
    /** ip_local_reserved_ports as a bitmap, as the kernel keeps it; never written, shared between copies. */
    private final long[] reserved;

    private final int somaxconn;
    private final int rmemMax;
    private final int tcpMaxSynBacklog;
    private final int tcpSyncookies;
    private final int tcpAbortOnOverflow;
    private final int ipLocalPortRangeLow;
    private final int ipLocalPortRangeHigh;
    private final int ipUnprivilegedPortStart;
    private final int ipAutobindReuse;
    private final int tcpSynRetries;
    private final int tcpSynLinearTimeouts;
    private final int tcpSynackRetries;
    private final int tcpFinTimeout;
    private final int tcpTwReuse;
    private final int tcpMaxTwBuckets;
    private final int tcpFastopen;
    private final int tcpFastopenBlackholeTimeoutSec;
    private final int tcpTimestamps;
    private final int tcpSack;
    private final int tcpWindowScaling;
    private final int tcpEcn;
    private final int tcpRmemMin;
    private final int tcpRmemDefault;
    private final int tcpRmemMax;
    private final int tcpWmemMin;
    private final int tcpWmemDefault;
    private final int tcpWmemMax;
    private final int tcpOrphanRetries;
    private final int tcpRfc1337;
    private final int tcpMigrateReq;
    private final int tcpRetries1;
    private final int tcpRetries2;
    private final int tcpKeepaliveTime;
    private final int tcpKeepaliveIntvl;
    private final int tcpKeepaliveProbes;
    private final int tcpBaseMss;
    private final int tcpMtuProbing;
    private final int tcpNoMetricsSave;

    private Sysctls(int[] raw, long[] reserved) {
        this.raw = raw;
        this.reserved = reserved;
        somaxconn = at(Sysctl.SOMAXCONN, 0);
        rmemMax = at(Sysctl.RMEM_MAX, 0);
        tcpMaxSynBacklog = at(Sysctl.TCP_MAX_SYN_BACKLOG, 0);
        tcpSyncookies = at(Sysctl.TCP_SYNCOOKIES, 0);
        tcpAbortOnOverflow = at(Sysctl.TCP_ABORT_ON_OVERFLOW, 0);
        ipLocalPortRangeLow = at(Sysctl.IP_LOCAL_PORT_RANGE, 0);
        ipLocalPortRangeHigh = at(Sysctl.IP_LOCAL_PORT_RANGE, 1);
        ipUnprivilegedPortStart = at(Sysctl.IP_UNPRIVILEGED_PORT_START, 0);
        ipAutobindReuse = at(Sysctl.IP_AUTOBIND_REUSE, 0);
        tcpSynRetries = at(Sysctl.TCP_SYN_RETRIES, 0);
        tcpSynLinearTimeouts = at(Sysctl.TCP_SYN_LINEAR_TIMEOUTS, 0);
        tcpSynackRetries = at(Sysctl.TCP_SYNACK_RETRIES, 0);
        tcpFinTimeout = at(Sysctl.TCP_FIN_TIMEOUT, 0);
        tcpTwReuse = at(Sysctl.TCP_TW_REUSE, 0);
        tcpMaxTwBuckets = at(Sysctl.TCP_MAX_TW_BUCKETS, 0);
        tcpFastopen = at(Sysctl.TCP_FASTOPEN, 0);
        tcpFastopenBlackholeTimeoutSec = at(Sysctl.TCP_FASTOPEN_BLACKHOLE_TIMEOUT_SEC, 0);
        tcpTimestamps = at(Sysctl.TCP_TIMESTAMPS, 0);
        tcpSack = at(Sysctl.TCP_SACK, 0);
        tcpWindowScaling = at(Sysctl.TCP_WINDOW_SCALING, 0);
        tcpEcn = at(Sysctl.TCP_ECN, 0);
        tcpRmemMin = at(Sysctl.TCP_RMEM, 0);
        tcpRmemDefault = at(Sysctl.TCP_RMEM, 1);
        tcpRmemMax = at(Sysctl.TCP_RMEM, 2);
        tcpWmemMin = at(Sysctl.TCP_WMEM, 0);
        tcpWmemDefault = at(Sysctl.TCP_WMEM, 1);
        tcpWmemMax = at(Sysctl.TCP_WMEM, 2);
        tcpOrphanRetries = at(Sysctl.TCP_ORPHAN_RETRIES, 0);
        tcpRfc1337 = at(Sysctl.TCP_RFC1337, 0);
        tcpMigrateReq = at(Sysctl.TCP_MIGRATE_REQ, 0);
        tcpRetries1 = at(Sysctl.TCP_RETRIES1, 0);
        tcpRetries2 = at(Sysctl.TCP_RETRIES2, 0);
        tcpKeepaliveTime = at(Sysctl.TCP_KEEPALIVE_TIME, 0);
        tcpKeepaliveIntvl = at(Sysctl.TCP_KEEPALIVE_INTVL, 0);
        tcpKeepaliveProbes = at(Sysctl.TCP_KEEPALIVE_PROBES, 0);
        tcpBaseMss = at(Sysctl.TCP_BASE_MSS, 0);
        tcpMtuProbing = at(Sysctl.TCP_MTU_PROBING, 0);
        tcpNoMetricsSave = at(Sysctl.TCP_NO_METRICS_SAVE, 0);
    }

    private int at(Sysctl s, int i) {
        return raw[SLOT[s.ordinal()] + i];
    }

    /**
     * A fresh namespace's values: {@code tcpsim.sysctl} of {@code ConfigFactory.load()}
     * (conf/application.conf). Throws {@link ConfigException} if that section misses a registered
     * sysctl, names an unknown one, or holds a value the kernel would refuse.
     */
    public static Sysctls defaults() {
        Sysctls d = defaults;
        if (d == null) {
            d = fromConfig(ConfigFactory.load());
            defaults = d; // a racing second load computes the same value
        }
        return d;
    }

    /** Reads {@code tcpsim.sysctl} of a config, which must set every registered sysctl and no other. */
    static Sysctls fromConfig(Config config) {
        ConfigObject block = config.getObject(CONFIG_PATH);
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, ConfigValue> origins = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : block.entrySet()) {
            String name = e.getKey();
            ConfigValue v = e.getValue();
            String path = CONFIG_PATH + ".\"" + name + "\"";
            if (Sysctl.byName(name).isEmpty()) {
                throw new ConfigException.BadValue(v.origin(), path,
                    "not a sysctl tcpsim.net.Sysctls knows (kernel names are quoted keys: \"net.core.somaxconn\" = 4096)");
            }
            if (v.valueType() != ConfigValueType.NUMBER && v.valueType() != ConfigValueType.STRING) {
                throw new ConfigException.BadValue(v.origin(), path, "expected " + Sysctl.byName(name).get().expected());
            }
            values.put(name, v.valueType() == ConfigValueType.STRING
                ? (String) v.unwrapped() : v.render(ConfigRenderOptions.concise()));
            origins.put(name, v);
        }
        for (Sysctl s : ALL) {
            if (!values.containsKey(s.key)) {
                throw new ConfigException.BadValue(block.origin(), CONFIG_PATH,
                    "no default for \"" + s.key + "\" (" + s.expected() + ")");
            }
        }
        try {
            return new Sysctls(new int[SLOTS], NO_PORTS).with(values);
        } catch (SysctlException e) {
            throw new ConfigException.BadValue(origins.get(e.name()).origin(),
                CONFIG_PATH + ".\"" + e.name() + "\"", e.getMessage());
        }
    }

    /** Every registered kernel name, in registry order. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * This namespace after {@code sysctl -w name=value}. As in the kernel, a value is checked against
     * the other sysctls as they are now (ip_local_port_range against ip_unprivileged_port_start).
     */
    public Sysctls with(String name, String value) {
        return with(Map.of(name, value));
    }

    /**
     * This namespace with several sysctls set at once, as a namespace created with them: each value's
     * form and range are checked in the map's order, the rules between sysctls on the result, so the
     * order of the writes does not matter.
     */
    public Sysctls with(Map<String, String> values) {
        int[] next = raw.clone();
        long[] ports = reserved;
        Set<Sysctl> changed = new HashSet<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            Sysctl s = Sysctl.byName(e.getKey()).orElseThrow(() -> new SysctlException(e.getKey(), null, null));
            String text = e.getValue();
            if (s.kind == Kind.PORT_LIST) {
                ports = parsePorts(s, text);
            } else {
                parseInts(s, text, next);
            }
            changed.add(s);
        }
        checkPortRules(next, changed, values);
        return new Sysctls(next, ports);
    }

    private static final Pattern NUMBER = Pattern.compile("-?(0[xX][0-9a-fA-F]{1,8}|0|[1-9][0-9]{0,10})");
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    /** proc_get_long, as far as scenario files need it: decimal or 0x hex, optionally negative. */
    private static long number(Sysctl s, String token, String text) {
        if (!NUMBER.matcher(token).matches()) throw new SysctlException(s.key, s.expected(), text);
        boolean neg = token.startsWith("-");
        String digits = neg ? token.substring(1) : token;
        long v = digits.length() > 2 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
            ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
        v = neg ? -v : v;
        if (v < s.min || v > s.max) throw new SysctlException(s.key, s.expected(), text);
        return v;
    }

    private static void parseInts(Sysctl s, String text, int[] into) {
        String t = text.strip();
        String[] tokens = t.isEmpty() ? new String[0] : BLANKS.split(t);
        if (tokens.length != s.kind.width) throw new SysctlException(s.key, s.expected(), text);
        int slot = SLOT[s.ordinal()];
        for (int i = 0; i < tokens.length; i++) into[slot + i] = (int) number(s, tokens[i], text);
        if (s == Sysctl.IP_LOCAL_PORT_RANGE && into[slot] > into[slot + 1]) {
            throw new SysctlException(s.key, s.expected(), text);
        }
    }

    /** proc_do_large_bitmap: "a,b-c,...", each port below the 65536-bit map, a range not reversed. */
    private static long[] parsePorts(Sysctl s, String text) {
        String t = text.strip();
        if (t.isEmpty()) return NO_PORTS;
        long[] map = new long[NO_PORTS.length];
        for (String part : t.split(",", -1)) {
            String item = part.strip();
            int dash = item.indexOf('-', 1);
            long lo = number(s, dash < 0 ? item : item.substring(0, dash), text);
            long hi = dash < 0 ? lo : number(s, item.substring(dash + 1), text);
            if (hi < lo) throw new SysctlException(s.key, s.expected(), text);
            for (long p = lo; p <= hi; p++) map[(int) (p >>> 6)] |= 1L << p;
        }
        return map;
    }

    /**
     * net/ipv4/sysctl_net_ipv4.c: ipv4_local_port_range, ipv4_privileged_ports. The low end of the
     * ephemeral range may not be below ip_unprivileged_port_start; the write that breaks this fails.
     */
    private static void checkPortRules(int[] v, Set<Sysctl> changed, Map<String, String> values) {
        int low = v[SLOT[Sysctl.IP_LOCAL_PORT_RANGE.ordinal()]];
        int start = v[SLOT[Sysctl.IP_UNPRIVILEGED_PORT_START.ordinal()]];
        if (low >= start) return;
        if (changed.contains(Sysctl.IP_LOCAL_PORT_RANGE)) {
            Sysctl s = Sysctl.IP_LOCAL_PORT_RANGE;
            throw new SysctlException(s.key, s.expected() + ", low >= "
                + Sysctl.IP_UNPRIVILEGED_PORT_START.key + " (" + start + ")", values.get(s.key));
        }
        Sysctl s = Sysctl.IP_UNPRIVILEGED_PORT_START;
        throw new SysctlException(s.key, s.expected() + " not above the low end of "
            + Sysctl.IP_LOCAL_PORT_RANGE.key + " (" + low + ")", values.get(s.key));
    }

    /** A value as {@code sysctl -n} shows it (vectors space-separated, port lists as kernel ranges). */
    public String get(String name) {
        Sysctl s = Sysctl.byName(name).orElseThrow(() -> new SysctlException(name, null, null));
        if (s.kind == Kind.PORT_LIST) return portList();
        StringJoiner j = new StringJoiner(" ");
        for (int i = 0; i < s.kind.width; i++) j.add(Integer.toString(at(s, i)));
        return j.toString();
    }

    private String portList() {
        StringJoiner j = new StringJoiner(",");
        for (int p = 0; p < 65536; p++) {
            if (!isLocalReservedPort(p)) continue;
            int first = p;
            while (p + 1 < 65536 && isLocalReservedPort(p + 1)) p++;
            j.add(first == p ? Integer.toString(p) : first + "-" + p);
        }
        return j.toString();
    }

    /** net.core.somaxconn */
    public int somaxconn() { return somaxconn; }
    /** net.core.rmem_max, bytes */
    public int rmemMax() { return rmemMax; }
    /** net.ipv4.tcp_max_syn_backlog */
    public int tcpMaxSynBacklog() { return tcpMaxSynBacklog; }
    /** net.ipv4.tcp_syncookies */
    public int tcpSyncookies() { return tcpSyncookies; }
    /** net.ipv4.tcp_abort_on_overflow */
    public int tcpAbortOnOverflow() { return tcpAbortOnOverflow; }
    /** net.ipv4.ip_local_port_range, first value */
    public int ipLocalPortRangeLow() { return ipLocalPortRangeLow; }
    /** net.ipv4.ip_local_port_range, second value (inclusive) */
    public int ipLocalPortRangeHigh() { return ipLocalPortRangeHigh; }
    /** net.ipv4.ip_unprivileged_port_start */
    public int ipUnprivilegedPortStart() { return ipUnprivilegedPortStart; }
    /** net.ipv4.ip_autobind_reuse */
    public int ipAutobindReuse() { return ipAutobindReuse; }
    /** net.ipv4.tcp_syn_retries */
    public int tcpSynRetries() { return tcpSynRetries; }
    /** net.ipv4.tcp_syn_linear_timeouts */
    public int tcpSynLinearTimeouts() { return tcpSynLinearTimeouts; }
    /** net.ipv4.tcp_synack_retries */
    public int tcpSynackRetries() { return tcpSynackRetries; }
    /** net.ipv4.tcp_fin_timeout, seconds */
    public int tcpFinTimeout() { return tcpFinTimeout; }
    /** net.ipv4.tcp_tw_reuse */
    public int tcpTwReuse() { return tcpTwReuse; }
    /** net.ipv4.tcp_max_tw_buckets */
    public int tcpMaxTwBuckets() { return tcpMaxTwBuckets; }
    /** net.ipv4.tcp_fastopen (TFO_* flags) */
    public int tcpFastopen() { return tcpFastopen; }
    /** net.ipv4.tcp_fastopen_blackhole_timeout_sec */
    public int tcpFastopenBlackholeTimeoutSec() { return tcpFastopenBlackholeTimeoutSec; }
    /** net.ipv4.tcp_timestamps */
    public int tcpTimestamps() { return tcpTimestamps; }
    /** net.ipv4.tcp_sack */
    public int tcpSack() { return tcpSack; }
    /** net.ipv4.tcp_window_scaling */
    public int tcpWindowScaling() { return tcpWindowScaling; }
    /** net.ipv4.tcp_ecn */
    public int tcpEcn() { return tcpEcn; }
    /** net.ipv4.tcp_rmem[0], bytes */
    public int tcpRmemMin() { return tcpRmemMin; }
    /** net.ipv4.tcp_rmem[1], bytes */
    public int tcpRmemDefault() { return tcpRmemDefault; }
    /** net.ipv4.tcp_rmem[2], bytes */
    public int tcpRmemMax() { return tcpRmemMax; }
    /** net.ipv4.tcp_wmem[0], bytes */
    public int tcpWmemMin() { return tcpWmemMin; }
    /** net.ipv4.tcp_wmem[1], bytes */
    public int tcpWmemDefault() { return tcpWmemDefault; }
    /** net.ipv4.tcp_wmem[2], bytes */
    public int tcpWmemMax() { return tcpWmemMax; }
    /** net.ipv4.tcp_orphan_retries */
    public int tcpOrphanRetries() { return tcpOrphanRetries; }
    /** net.ipv4.tcp_rfc1337 */
    public int tcpRfc1337() { return tcpRfc1337; }
    /** net.ipv4.tcp_migrate_req */
    public int tcpMigrateReq() { return tcpMigrateReq; }
    /** net.ipv4.tcp_retries1 */
    public int tcpRetries1() { return tcpRetries1; }
    /** net.ipv4.tcp_retries2 */
    public int tcpRetries2() { return tcpRetries2; }
    /** net.ipv4.tcp_keepalive_time, seconds */
    public int tcpKeepaliveTime() { return tcpKeepaliveTime; }
    /** net.ipv4.tcp_keepalive_intvl, seconds */
    public int tcpKeepaliveIntvl() { return tcpKeepaliveIntvl; }
    /** net.ipv4.tcp_keepalive_probes */
    public int tcpKeepaliveProbes() { return tcpKeepaliveProbes; }
    /** net.ipv4.tcp_base_mss */
    public int tcpBaseMss() { return tcpBaseMss; }
    /** net.ipv4.tcp_mtu_probing */
    public int tcpMtuProbing() { return tcpMtuProbing; }
    /** net.ipv4.tcp_no_metrics_save */
    public int tcpNoMetricsSave() { return tcpNoMetricsSave; }

    /** include/net/ip.h: inet_is_local_reserved_port — is the port in ip_local_reserved_ports? */
    public boolean isLocalReservedPort(int port) {
        return port >= 0 && port < 65536 && (reserved[port >>> 6] & (1L << port)) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sysctls other && Arrays.equals(raw, other.raw) && Arrays.equals(reserved, other.reserved);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(raw) + Arrays.hashCode(reserved);
    }

    /** Every sysctl as {@code name = value}, in registry order. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "Sysctls{", "}");
        for (Sysctl s : ALL) j.add(s.key + " = " + get(s.key));
        return j.toString();
    }
}
