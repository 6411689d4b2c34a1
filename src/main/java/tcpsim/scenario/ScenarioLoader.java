package tcpsim.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tcpsim.net.Inject;
import tcpsim.net.Skb;
import tcpsim.net.SysctlException;
import tcpsim.net.Sysctls.Sysctl;
import tcpsim.net.Sysctls;


/**
 * Reads a HOCON scenario file (format: simulations/README.md) into a {@link Scenario}, checking
 * everything a run would trip over later. Any problem is a {@link ScenarioException} whose message
 * names the file, the line, the key and what was expected.
 */
public final class ScenarioLoader {

    private static final List<String> TOP_KEYS = List.of("seed", "hosts", "links", "apps", "run", "model", "explore");
    private static final List<String> MODEL_KEYS = List.of("inject");
    private static final List<String> EXPLORE_KEYS = List.of("timer-jitter", "faults", "invariants");
    private static final List<String> FAULT_KEYS = List.of("drop", "duplicate", "delay");
    private static final List<String> HOST_KEYS = List.of("ip", "sysctl");
    private static final List<String> LINK_KEYS = List.of("between", "delay", "loss");
    private static final List<String> SERVER_KEYS = List.of("host", "listen", "accept", "start", "close", "close-listener");
    private static final List<String> CLIENT_KEYS = List.of("host", "connect", "count", "start", "every", "close");
    private static final List<String> LISTEN_KEYS = List.of("port", "backlog", "address", "reuseaddr", "reuseport");
    private static final List<String> CONNECT_KEYS = List.of("to", "bind", "reuseaddr", "reuseport");
    private static final List<String> RUN_KEYS = List.of("until");

    private static final String DURATION = "a duration such as 250us, 1ms or 60s";
    private static final String ADDRESS = "a unicast IPv4 address such as \"10.0.0.1\"";
    private static final String PORT = "a port 1..65535";
    private static final String TARGET = "\"host:port\" such as \"server:80\"";

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern DOTTED =
        Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern HOST_PORT = Pattern.compile("([^:\\s]+):(\\d{1,5})");
    private static final int SHOWN_CHARS = 40;

    private final Path file;
    /** Host name to address, filled as hosts are read, in file order. */
    private final Map<String, Integer> hostIps = new LinkedHashMap<>();

    private ScenarioLoader(Path file) {
        this.file = file;
    }

    /** Reads and checks a scenario file. */
    public static Scenario load(Path file) {
        return new ScenarioLoader(file).read();
    }

    private Scenario read() {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ScenarioException(file.toString(), 0, null, "cannot read the scenario file: no such readable file");
        }
        Config config;
        try {
            config = ConfigFactory.parseFile(file.toFile(),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            throw unparsable(e);
        }
        ConfigObject root = config.root();
        keys(root, "", TOP_KEYS);

        long seed = root.containsKey("seed")
            ? integer(root.get("seed"), "seed", Long.MIN_VALUE, Long.MAX_VALUE, "an integer")
            : Scenario.DEFAULT_SEED;
        List<HostSpec> hosts = hosts(required(root, "", "hosts", "hosts such as { server { ip = \"10.0.0.1\" } }"));
        List<LinkSpec> links = root.containsKey("links") ? links(root.get("links")) : List.of();
        List<AppSpec> apps = apps(required(root, "", "apps", "a list of apps with listen { ... } or connect { ... }"));
        ConfigObject run = object(required(root, "", "run", "run { until = 10s }"), "run", "an object such as { until = 10s }");
        keys(run, "run", RUN_KEYS);
        ConfigValue untilValue = required(run, "run", "until", "a duration such as 10s");
        long until = duration(untilValue, "run.until");
        if (until == 0) throw fail(untilValue, "run.until", "expected a positive duration such as 10s, got " + show(untilValue));
        Set<Inject> inject = root.containsKey("model") ? model(root.get("model")) : Set.of();
        ExploreSpec explore = root.containsKey("explore") ? explore(root.get("explore")) : ExploreSpec.NONE;
        return new Scenario(file, seed, hosts, links, apps, until, inject, explore);
    }

    // ---- model and explore ----

    /** {@code model { inject = [ "check-established-unlocked" ] }}: race-injection switches by name. */
    private Set<Inject> model(ConfigValue value) {
        ConfigObject m = object(value, "model", "an object such as { inject = [ \"check-established-unlocked\" ] }");
        keys(m, "model", MODEL_KEYS);
        Set<Inject> inject = EnumSet.noneOf(Inject.class);
        if (!m.containsKey("inject")) return inject;
        List<String> names = new ArrayList<>();
        for (Inject i : Inject.values()) names.add(i.key);
        ConfigList list = list(m.get("inject"), "model.inject", "a list of switch names such as [ \"" + names.get(0) + "\" ]");
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String key = "model.inject[" + i + "]";
            if (v.valueType() != ConfigValueType.STRING) throw fail(v, key, "expected a switch name, got " + show(v));
            String name = (String) v.unwrapped();
            Inject sw = Inject.byKey(name)
                .orElseThrow(() -> fail(v, key, "unknown switch '" + name + "'" + hint(closest(name, names), names)));
            if (!inject.add(sw)) throw fail(v, key, "switch '" + name + "' named twice");
        }
        return inject;
    }

    /** {@code explore { timer-jitter = 1ms, faults { drop = 1, duplicate = 1, delay = 5ms }, invariants = [...] }} */
    private ExploreSpec explore(ConfigValue value) {
        ConfigObject e = object(value, "explore", "an object such as { faults { drop = 1 } }");
        keys(e, "explore", EXPLORE_KEYS);
        long jitter = e.containsKey("timer-jitter") ? duration(e.get("timer-jitter"), "explore.timer-jitter") : 0;
        int drops = 0, duplicates = 0;
        long delay = 0;
        if (e.containsKey("faults")) {
            ConfigObject f = object(e.get("faults"), "explore.faults", "an object such as { drop = 2, duplicate = 1, delay = 5ms }");
            keys(f, "explore.faults", FAULT_KEYS);
            if (f.containsKey("drop")) drops = (int) integer(f.get("drop"), "explore.faults.drop", 0, 1000, "a count 0..1000");
            if (f.containsKey("duplicate")) {
                duplicates = (int) integer(f.get("duplicate"), "explore.faults.duplicate", 0, 1000, "a count 0..1000");
            }
            if (f.containsKey("delay")) delay = duration(f.get("delay"), "explore.faults.delay");
        }
        List<String> invariants = new ArrayList<>();
        if (e.containsKey("invariants")) {
            ConfigList list = list(e.get("invariants"), "explore.invariants", "a list of invariant names");
            for (int i = 0; i < list.size(); i++) {
                ConfigValue v = list.get(i);
                if (v.valueType() != ConfigValueType.STRING) {
                    throw fail(v, "explore.invariants[" + i + "]", "expected an invariant name, got " + show(v));
                }
                invariants.add((String) v.unwrapped());
            }
        }
        return new ExploreSpec(jitter, drops, duplicates, delay, invariants);
    }

    /** Typesafe's parse and resolve errors carry their own origin; keep its line, drop its prefix. */
    private ScenarioException unparsable(ConfigException e) {
        ConfigOrigin o = e.origin();
        String msg = e.getMessage();
        if (o != null && msg.startsWith(o.description() + ": ")) msg = msg.substring(o.description().length() + 2);
        // Typesafe's hint to rename the file .properties does not apply to a scenario
        msg = msg.replace(", or you may be able to rename the file .properties rather than .conf", "");
        String where = o != null && o.filename() != null ? o.filename() : file.toString();
        int line = o != null ? Math.max(o.lineNumber(), 0) : 0;
        return new ScenarioException(where, line, null, (e instanceof ConfigException.Parse ? "syntax error: " : "") + msg);
    }

    // ---- hosts ----

    private List<HostSpec> hosts(ConfigValue value) {
        ConfigObject hosts = object(value, "hosts", "an object of hosts such as { server { ip = \"10.0.0.1\" } }");
        if (hosts.isEmpty()) throw fail(hosts, "hosts", "expected at least one host, got {}");
        Map<Integer, ConfigValue> ipValues = new HashMap<>();
        List<HostSpec> out = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : ordered(hosts)) {
            String name = e.getKey();
            String key = "hosts." + name;
            if (!HOST_NAME.matcher(name).matches()) {
                throw fail(e.getValue(), key, "expected a host name of letters, digits, '_' and '-'");
            }
            ConfigObject h = object(e.getValue(), key, "an object such as { ip = \"10.0.0.1\" }");
            keys(h, key, HOST_KEYS);
            ConfigValue ipValue = required(h, key, "ip", ADDRESS);
            int ip = address(ipValue, key + ".ip");
            ConfigValue first = ipValues.putIfAbsent(ip, ipValue);
            if (first != null) {
                String owner = hostIps.entrySet().stream().filter(x -> x.getValue() == ip).findFirst().orElseThrow().getKey();
                throw fail(ipValue, key + ".ip", "duplicate address \"" + Skb.ip(ip) + "\": host '" + owner
                    + "' has it (line " + line(first) + ")");
            }
            Sysctls sysctls = h.containsKey("sysctl") ? sysctls(h.get("sysctl"), key + ".sysctl") : Sysctls.defaults();
            hostIps.put(name, ip);
            out.add(new HostSpec(name, ip, sysctls));
        }
        return out;
    }

    /**
     * Sysctls under kernel names, quoted ({@code "net.ipv4.tcp_syncookies" = 0}) or as a HOCON path
     * ({@code net.ipv4.tcp_syncookies = 0}, which HOCON nests): both flatten to the kernel name.
     */
    private Sysctls sysctls(ConfigValue value, String key) {
        ConfigObject block = object(value, key, "an object such as { \"net.ipv4.tcp_syncookies\" = 0 }");
        Map<String, ConfigValue> settings = new LinkedHashMap<>();
        flatten(block, "", key, settings);
        Map<String, String> text = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : settings.entrySet()) {
            Sysctl s = Sysctl.byName(e.getKey()).orElseThrow();
            text.put(e.getKey(), sysctlText(s, e.getValue(), key + "." + e.getKey()));
        }
        try {
            return Sysctls.defaults().with(text);
        } catch (SysctlException ex) {
            ConfigValue v = settings.get(ex.name());
            throw fail(v, key + "." + ex.name(), "expected " + ex.expected() + ", got " + show(v));
        }
    }

    private void flatten(ConfigObject block, String prefix, String key, Map<String, ConfigValue> out) {
        for (Map.Entry<String, ConfigValue> e : ordered(block)) {
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            ConfigValue v = e.getValue();
            boolean known = Sysctl.byName(name).isPresent();
            if (!known && v.valueType() == ConfigValueType.OBJECT) {
                flatten((ConfigObject) v, name, key, out);
                continue;
            }
            if (!known) throw fail(v, key + "." + name, "unknown sysctl" + hint(suggestSysctl(name), List.of()));
            ConfigValue first = out.putIfAbsent(name, v);
            if (first != null) throw fail(v, key + "." + name, "set twice (also at line " + line(first) + ")");
        }
    }

    /** A HOCON value as one would echo it into /proc/sys: lists join with spaces, port lists with commas. */
    private String sysctlText(Sysctl s, ConfigValue v, String key) {
        switch (v.valueType()) {
            case STRING:
                return (String) v.unwrapped();
            case NUMBER:
                return v.render(ConfigRenderOptions.concise());
            case LIST:
                List<String> parts = new ArrayList<>();
                for (ConfigValue el : (ConfigList) v) {
                    if (el.valueType() != ConfigValueType.NUMBER && el.valueType() != ConfigValueType.STRING) {
                        throw fail(v, key, "expected " + s.expected() + ", got " + show(v));
                    }
                    parts.add(el.valueType() == ConfigValueType.STRING
                        ? (String) el.unwrapped() : el.render(ConfigRenderOptions.concise()));
                }
                return String.join(s.kind() == Sysctls.Kind.PORT_LIST ? "," : " ", parts);
            default:
                throw fail(v, key, "expected " + s.expected() + ", got " + show(v));
        }
    }

    /** A name whose last component matches (net.ipv4.somaxconn for net.core.somaxconn), else the nearest. */
    private static Optional<String> suggestSysctl(String name) {
        String leaf = name.substring(name.lastIndexOf('.') + 1);
        for (String known : Sysctls.names()) if (known.endsWith("." + leaf)) return Optional.of(known);
        return closest(name, Sysctls.names());
    }

    private int address(ConfigValue v, String key) {
        if (v.valueType() == ConfigValueType.STRING) {
            String s = ((String) v.unwrapped()).strip();
            if (DOTTED.matcher(s).matches()) {
                int ip = Skb.ip(s);
                int first = ip >>> 24;
                // 0/8 "this network", 127/8 loopback (every host has its own lo), 224/4 multicast and up
                if (first != 0 && first != 127 && first < 224) return ip;
            }
        }
        throw fail(v, key, "expected " + ADDRESS + ", got " + show(v));
    }

    private String hostRef(ConfigValue v, String key) {
        if (v.valueType() != ConfigValueType.STRING) throw fail(v, key, "expected a host name, got " + show(v));
        String name = (String) v.unwrapped();
        if (!hostIps.containsKey(name)) {
            throw fail(v, key, "unknown host '" + name + "'" + hint(closest(name, hostIps.keySet()), hostIps.keySet()));
        }
        return name;
    }

    // ---- links ----

    private List<LinkSpec> links(ConfigValue value) {
        ConfigList list = list(value, "links", "a list of links such as [ { between = [client, server], delay = 1ms } ]");
        List<LinkSpec> out = new ArrayList<>();
        List<ConfigValue> seen = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "links[" + i + "]";
            ConfigObject l = object(list.get(i), key, "an object such as { between = [client, server], delay = 1ms }");
            keys(l, key, LINK_KEYS);
            ConfigValue between = required(l, key, "between", "two host names such as [client, server]");
            if (between.valueType() != ConfigValueType.LIST || ((ConfigList) between).size() != 2) {
                throw fail(between, key + ".between", "expected two host names such as [client, server], got " + show(between));
            }
            String a = hostRef(((ConfigList) between).get(0), key + ".between[0]");
            String b = hostRef(((ConfigList) between).get(1), key + ".between[1]");
            if (a.equals(b)) throw fail(between, key + ".between", "expected two different hosts, got " + show(between));
            for (int j = 0; j < out.size(); j++) {
                if (out.get(j).joins(a, b)) {
                    throw fail(l, key, "a second link between '" + a + "' and '" + b + "' (the first is at line "
                        + line(seen.get(j)) + ")");
                }
            }
            long delay = l.containsKey("delay") ? duration(l.get("delay"), key + ".delay") : 0;
            double loss = l.containsKey("loss") ? probability(l.get("loss"), key + ".loss") : 0.0;
            out.add(new LinkSpec(a, b, delay, loss));
            seen.add(l);
        }
        return out;
    }

    // ---- apps ----

    private List<AppSpec> apps(ConfigValue value) {
        ConfigList list = list(value, "apps", "a list of apps with listen { ... } or connect { ... }");
        if (list.isEmpty()) throw fail(list, "apps", "expected at least one app, got []");
        List<AppSpec> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "apps[" + i + "]";
            ConfigObject a = object(list.get(i), key, "an object with listen { ... } or connect { ... }");
            boolean listen = a.containsKey("listen");
            if (listen == a.containsKey("connect")) {
                throw fail(a, key, listen ? "expected one of 'listen' or 'connect', got both"
                    : "missing 'listen { ... }' (a server) or 'connect { ... }' (clients)");
            }
            out.add(listen ? server(a, key) : client(a, key));
        }
        return out;
    }

    private ServerApp server(ConfigObject a, String key) {
        onlyKeys(a, key, SERVER_KEYS, CLIENT_KEYS, "a listen app", "a connect app");
        String host = hostRef(required(a, key, "host", "a host name"), key + ".host");
        String lk = key + ".listen";
        ConfigObject l = object(a.get("listen"), lk, "an object such as { port = 80, backlog = 128 }");
        keys(l, lk, LISTEN_KEYS);
        int port = (int) integer(required(l, lk, "port", PORT), lk + ".port", 1, 65535, PORT);
        int backlog = (int) integer(required(l, lk, "backlog", "the listen() backlog, an integer"), lk + ".backlog",
            Integer.MIN_VALUE, Integer.MAX_VALUE, "the listen() backlog, an integer");
        int address = ServerApp.INADDR_ANY;
        if (l.containsKey("address")) {
            ConfigValue av = l.get("address");
            boolean any = av.valueType() == ConfigValueType.STRING && "0.0.0.0".equals(((String) av.unwrapped()).strip());
            if (!any) {
                address = address(av, lk + ".address");
                if (address != hostIps.get(host)) {
                    throw fail(av, lk + ".address", "expected \"0.0.0.0\" or host '" + host + "''s address \""
                        + Skb.ip(hostIps.get(host)) + "\", got " + show(av));
                }
            }
        }
        int accept = ServerApp.ACCEPT_ALL;
        if (a.containsKey("accept")) accept = acceptCount(a.get("accept"), key + ".accept");
        OptionalLong closeListenerAt = OptionalLong.empty();
        boolean afterAccepts = false;
        if (a.containsKey("close-listener")) {
            ConfigValue v = a.get("close-listener");
            String k = key + ".close-listener";
            String text = v.valueType() == ConfigValueType.STRING ? ((String) v.unwrapped()).strip() : null;
            if ("after-accept".equals(text)) {
                if (accept == ServerApp.ACCEPT_ALL) throw fail(v, k, "after-accept needs accept = a number of accept() calls");
                afterAccepts = true;
            } else if (text == null || !"never".equals(text)) {
                if (text == null || !endsWithUnit(text)) {
                    throw fail(v, k, "expected never, after-accept or " + DURATION + ", got " + show(v));
                }
                closeListenerAt = OptionalLong.of(duration(v, k));
            }
        }
        return new ServerApp(host, start(a, key), address, port, backlog,
            flag(l, lk, "reuseaddr"), flag(l, lk, "reuseport"), accept, close(a, key), closeListenerAt, afterAccepts);
    }

    private int acceptCount(ConfigValue v, String key) {
        if (v.valueType() == ConfigValueType.STRING) {
            if ("all".equals(v.unwrapped())) return ServerApp.ACCEPT_ALL;
            if ("none".equals(v.unwrapped())) return 0;
        }
        String expected = "all, none or a number of accept() calls";
        return (int) integer(v, key, 0, Integer.MAX_VALUE, expected);
    }

    private ClientApp client(ConfigObject a, String key) {
        onlyKeys(a, key, CLIENT_KEYS, SERVER_KEYS, "a connect app", "a listen app");
        String host = hostRef(required(a, key, "host", "a host name"), key + ".host");
        String ck = key + ".connect";
        ConfigObject c = object(a.get("connect"), ck, "an object such as { to = \"server:80\" }");
        keys(c, ck, CONNECT_KEYS);
        ConfigValue to = required(c, ck, "to", TARGET);
        Matcher m = to.valueType() == ConfigValueType.STRING ? HOST_PORT.matcher((String) to.unwrapped()) : null;
        if (m == null || !m.matches()) throw fail(to, ck + ".to", "expected " + TARGET + ", got " + show(to));
        String target = targetHost(m.group(1), to, ck + ".to");
        int port = Integer.parseInt(m.group(2));
        if (port < 1 || port > 65535) throw fail(to, ck + ".to", "expected " + PORT + " in " + TARGET + ", got " + show(to));
        OptionalInt bind = c.containsKey("bind")
            ? OptionalInt.of((int) integer(c.get("bind"), ck + ".bind", 0, 65535, "a port 0..65535 (0: bind() picks one)"))
            : OptionalInt.empty();
        int count = a.containsKey("count")
            ? (int) integer(a.get("count"), key + ".count", 1, Integer.MAX_VALUE, "a number of clients, at least 1") : 1;
        long every = a.containsKey("every") ? duration(a.get("every"), key + ".every") : 0;
        return new ClientApp(host, start(a, key), target, port, count, every, bind,
            flag(c, ck, "reuseaddr"), flag(c, ck, "reuseport"), close(a, key));
    }

    /** A target by host name or by a host's address. */
    private String targetHost(String ref, ConfigValue v, String key) {
        if (hostIps.containsKey(ref)) return ref;
        if (DOTTED.matcher(ref).matches()) {
            int ip = Skb.ip(ref);
            for (Map.Entry<String, Integer> h : hostIps.entrySet()) if (h.getValue() == ip) return h.getKey();
            throw fail(v, key, "no host has address " + ref + " (hosts: " + String.join(", ", hostIps.keySet()) + ")");
        }
        throw fail(v, key, "unknown host '" + ref + "'" + hint(closest(ref, hostIps.keySet()), hostIps.keySet()));
    }

    private long start(ConfigObject a, String key) {
        return a.containsKey("start") ? duration(a.get("start"), key + ".start") : 0;
    }

    private OptionalLong close(ConfigObject a, String key) {
        if (!a.containsKey("close")) return OptionalLong.empty();
        ConfigValue v = a.get("close");
        if (v.valueType() == ConfigValueType.STRING && "never".equals(v.unwrapped())) return OptionalLong.empty();
        if (v.valueType() != ConfigValueType.STRING || !endsWithUnit((String) v.unwrapped())) {
            throw fail(v, key + ".close", "expected never or " + DURATION + ", got " + show(v));
        }
        return OptionalLong.of(duration(v, key + ".close"));
    }

    private boolean flag(ConfigObject o, String prefix, String name) {
        if (!o.containsKey(name)) return false;
        ConfigValue v = o.get(name);
        if (v.valueType() != ConfigValueType.BOOLEAN) throw fail(v, prefix + "." + name, "expected true or false, got " + show(v));
        return (Boolean) v.unwrapped();
    }

    /** Like {@link #keys}, but a key that belongs to the other kind of app says so. */
    private void onlyKeys(ConfigObject a, String key, List<String> allowed, List<String> other,
                          String kind, String otherKind) {
        for (Map.Entry<String, ConfigValue> e : ordered(a)) {
            if (!allowed.contains(e.getKey()) && other.contains(e.getKey())) {
                throw fail(e.getValue(), key + "." + e.getKey(), "applies to " + otherKind + ", and this is " + kind);
            }
        }
        keys(a, key, allowed);
    }

    // ---- values ----

    private void keys(ConfigObject o, String prefix, List<String> allowed) {
        for (Map.Entry<String, ConfigValue> e : ordered(o)) {
            if (!allowed.contains(e.getKey())) {
                throw fail(e.getValue(), join(prefix, e.getKey()), "unknown key" + hint(closest(e.getKey(), allowed), allowed));
            }
        }
    }

    private ConfigValue required(ConfigObject o, String prefix, String name, String expected) {
        ConfigValue v = o.get(name);
        if (v == null) throw fail(o, join(prefix, name), "missing, expected " + expected);
        return v;
    }

    private ConfigObject object(ConfigValue v, String key, String expected) {
        if (v.valueType() != ConfigValueType.OBJECT) throw fail(v, key, "expected " + expected + ", got " + show(v));
        return (ConfigObject) v;
    }

    private ConfigList list(ConfigValue v, String key, String expected) {
        if (v.valueType() != ConfigValueType.LIST) throw fail(v, key, "expected " + expected + ", got " + show(v));
        return (ConfigList) v;
    }

    private long integer(ConfigValue v, String key, long min, long max, String expected) {
        if (v.valueType() == ConfigValueType.NUMBER) {
            Object n = v.unwrapped();
            if ((n instanceof Integer || n instanceof Long) && ((Number) n).longValue() >= min && ((Number) n).longValue() <= max) {
                return ((Number) n).longValue();
            }
        }
        throw fail(v, key, "expected " + expected + ", got " + show(v));
    }

    private double probability(ConfigValue v, String key) {
        if (v.valueType() == ConfigValueType.NUMBER) {
            double p = ((Number) v.unwrapped()).doubleValue();
            if (p >= 0 && p <= 1) return p;
        }
        throw fail(v, key, "expected a probability 0.0..1.0, got " + show(v));
    }

    /**
     * HOCON durations ({@code 1ms}, {@code 250 us}, {@code 1.5s}) in nanoseconds. A bare number is
     * refused: Typesafe would read it as milliseconds, which nobody guesses.
     */
    private long duration(ConfigValue v, String key) {
        if (v.valueType() == ConfigValueType.NUMBER) {
            throw fail(v, key, "expected " + DURATION + " (a unit is required), got " + show(v));
        }
        if (v.valueType() == ConfigValueType.STRING && endsWithUnit((String) v.unwrapped())) {
            try {
                long ns = ConfigFactory.empty().withValue("d", v).getDuration("d", TimeUnit.NANOSECONDS);
                if (ns >= 0) return ns;
            } catch (ConfigException | ArithmeticException e) {
                // not a duration Typesafe knows, or too large: reported below
            }
        }
        throw fail(v, key, "expected " + DURATION + ", got " + show(v));
    }

    private static boolean endsWithUnit(String s) {
        String t = s.strip();
        return !t.isEmpty() && Character.isLetter(t.charAt(t.length() - 1));
    }

    // ---- errors ----

    private ScenarioException fail(ConfigValue at, String key, String detail) {
        ConfigOrigin o = at.origin();
        String where = o.filename() != null ? o.filename() : file.toString();
        return new ScenarioException(where, line(at), key, detail);
    }

    private static int line(ConfigValue v) {
        return Math.max(v.origin().lineNumber(), 0);
    }

    private static String show(ConfigValue v) {
        String s = v.render(ConfigRenderOptions.concise());
        return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "...";
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    private static String hint(Optional<String> suggestion, Collection<String> choices) {
        if (suggestion.isPresent()) return " (did you mean '" + suggestion.get() + "'?)";
        return choices.isEmpty() ? "" : "; expected one of: " + String.join(", ", choices);
    }

    /** Entries in file order, so the first problem reported is the first in the file. */
    private static List<Map.Entry<String, ConfigValue>> ordered(ConfigObject o) {
        List<Map.Entry<String, ConfigValue>> l = new ArrayList<>(o.entrySet());
        l.sort(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
            .thenComparing(Map.Entry::getKey));
        return l;
    }

    /** The candidate within a few edits of the word, if any: typos, not guesses. */
    private static Optional<String> closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(), c.toLowerCase());
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(1, Math.min(3, word.length() / 3))
            ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
