package tcpsim.packetdrill.kernel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.Config;
import tcpsim.packetdrill.Backend.Syscall;
import tcpsim.packetdrill.Backend.SyscallResult;

/**
 * The parent–agent protocol: one JSON object per line over the agent's stdin and stdout. Requests
 * are answered strictly in order; what the kernel does on its own (a packet leaving tun0, a
 * blocking call returning) is pushed as an event line the moment it happens, so waiting for the
 * next observation costs no round trip. A human can drive an agent by typing requests, which is
 * the point of using text.
 *
 * <pre>
 * agent, once at startup:  {"hello":"tcpsim-kernel-agent","netns":4026532177}  or  {"error":"..."}
 * request                                   reply
 * {"op":"start","config":{...}}             {"ok":true,"epochNanos":N}
 * {"op":"ping"}                             {"ok":true}
 * {"op":"inject","packet":B64}              {"ok":true}
 * {"op":"syscall","callId":N,"blocking":b,"name":"accept","args":[...]}   {"ok":true,"result":{...}|null}
 * {"op":"sysctl","key":k,"value":v}         {"ok":true}
 * {"op":"shell","command":c}                {"ok":true,"exitCode":N,"output":"..."}
 * {"op":"tcpInfo","fd":N}                   {"ok":true,"info":{"tcpi_state":1,...}}
 * {"op":"nstat"}                            {"ok":true,"counters":{"TcpOutSegs":3,...}}
 * any failure                               {"error":"one line"}
 *
 * events, after start, interleaved with replies:
 * {"event":{"type":"packet","time":µs,"packet":B64}}
 * {"event":{"type":"done","time":µs,"callId":N,"result":{...}}}
 * {"event":{"type":"failed","time":µs,"message":"..."}}
 * </pre>
 * Packets are raw IPv4 datagrams in base64; times are µs since the agent's epoch, which is a
 * {@code System.nanoTime()} value: both JVMs read the same CLOCK_MONOTONIC, so the parent's
 * {@code nowMicros()} and the agent's timestamps agree.
 */
final class AgentProtocol {
    private AgentProtocol() {}

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static String line(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode ok() {
        return NODES.objectNode().put("ok", true);
    }

    static ObjectNode error(String message) {
        return NODES.objectNode().put("error", message.replace('\n', ' '));
    }

    /** An event line's body: {@code {"event":{"type":..., "time":...}}}; the caller adds the rest. */
    static ObjectNode event(ObjectNode line, String type, long time) {
        return line.putObject("event").put("type", type).put("time", time);
    }

    /** Whether a line the agent printed is an event rather than a reply. */
    static boolean isEvent(String line) {
        return line.startsWith("{\"event\":");
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static byte[] unb64(JsonNode n) {
        return Base64.getDecoder().decode(n.asText());
    }

    /** A reply carrying named numbers (tcp_info fields, counters) under {@code field}. */
    static ObjectNode ok(String field, Map<String, Long> values) {
        ObjectNode reply = ok();
        values.forEach(reply.putObject(field)::put);
        return reply;
    }

    /** The named numbers of an {@link #ok(String, Map)} reply, in order. */
    static Map<String, Long> longs(JsonNode n) {
        Map<String, Long> values = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asLong()));
        return values;
    }

    // ---- Config ----

    static ObjectNode config(Config c) {
        ObjectNode n = NODES.objectNode().put("localIp", c.localIp()).put("remoteIp", c.remoteIp())
            .put("gatewayIp", c.gatewayIp()).put("prefixLength", c.prefixLength()).put("port", c.port())
            .put("mtu", c.mtu());
        ObjectNode s = n.putObject("sysctls");
        new TreeMap<>(c.sysctls()).forEach(s::put);
        return n;
    }

    static Config config(JsonNode n) {
        Map<String, String> sysctls = new LinkedHashMap<>();
        n.get("sysctls").fields().forEachRemaining(e -> sysctls.put(e.getKey(), e.getValue().asText()));
        return new Config(n.get("localIp").asInt(), n.get("remoteIp").asInt(), n.get("gatewayIp").asInt(),
            n.get("prefixLength").asInt(), n.get("port").asInt(), n.get("mtu").asInt(), sysctls);
    }

    // ---- Syscall and its arguments ----

    static ObjectNode syscall(Syscall call) {
        ObjectNode n = NODES.objectNode().put("name", call.name());
        ArrayNode args = n.putArray("args");
        for (Arg a : call.args()) args.add(arg(a));
        return n;
    }

    static Syscall syscall(JsonNode n) {
        List<Arg> args = new ArrayList<>();
        for (JsonNode a : n.get("args")) args.add(arg(a));
        return new Syscall(n.get("name").asText(), args);
    }

    private static JsonNode arg(Arg a) {
        ObjectNode n = NODES.objectNode();
        if (a instanceof Arg.Int i) {
            n.put("int", i.value());
        } else if (a instanceof Arg.Ellipsis) {
            n.put("ellipsis", true);
        } else if (a instanceof Arg.Null) {
            n.put("null", true);
        } else if (a instanceof Arg.IntArray ia) {
            ArrayNode v = n.putArray("ints");
            for (long x : ia.values()) v.add(x);
        } else if (a instanceof Arg.Struct s) {
            ObjectNode f = n.putObject("struct");
            s.fields().forEach((k, v) -> f.set(k, arg(v)));
        } else if (a instanceof Arg.Bytes b) {
            n.put("bytes", b64(b.value()));
        } else if (a instanceof Arg.Sockaddr sa) {
            n.putObject("sockaddr").put("family", sa.family()).put("ip", sa.ip()).put("port", sa.port());
        } else if (a instanceof Arg.ArrayOf arr) {
            ArrayNode items = n.putArray("array");
            for (Arg item : arr.items()) items.add(arg(item));
        } else {
            throw new IllegalArgumentException("no JSON form for argument " + a);
        }
        return n;
    }

    private static Arg arg(JsonNode n) {
        if (n.has("int")) return new Arg.Int(n.get("int").asLong());
        if (n.has("ellipsis")) return new Arg.Ellipsis();
        if (n.has("null")) return new Arg.Null();
        if (n.has("ints")) {
            long[] v = new long[n.get("ints").size()];
            for (int i = 0; i < v.length; i++) v[i] = n.get("ints").get(i).asLong();
            return new Arg.IntArray(v);
        }
        if (n.has("struct")) {
            Map<String, Arg> fields = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.get("struct").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), arg(e.getValue()));
            }
            return new Arg.Struct(fields);
        }
        if (n.has("bytes")) return new Arg.Bytes(unb64(n.get("bytes")));
        if (n.has("array")) {
            List<Arg> items = new ArrayList<>();
            for (JsonNode item : n.get("array")) items.add(arg(item));
            return new Arg.ArrayOf(items);
        }
        if (n.has("sockaddr")) {
            JsonNode s = n.get("sockaddr");
            return new Arg.Sockaddr(s.get("family").asInt(), s.get("ip").asInt(), s.get("port").asInt());
        }
        throw new IllegalArgumentException("unknown argument " + n);
    }

    // ---- SyscallResult ----

    static JsonNode result(SyscallResult r) {
        if (r == null) return NODES.nullNode();
        ObjectNode n = NODES.objectNode().put("ret", r.ret());
        if (r.errno() != null) n.put("errno", r.errno());
        ObjectNode out = n.putObject("out");
        new TreeMap<>(r.out()).forEach(out::put);
        return n;
    }

    static SyscallResult result(JsonNode n) {
        if (n == null || n.isNull()) return null;
        Map<String, Long> out = new LinkedHashMap<>();
        n.get("out").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return new SyscallResult(n.get("ret").asLong(), n.has("errno") ? n.get("errno").asText() : null, out);
    }
}
