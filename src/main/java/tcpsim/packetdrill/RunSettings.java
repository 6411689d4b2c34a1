package tcpsim.packetdrill;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import tcpsim.net.Skb;

/**
 * What a run assumes about the host under test and how strictly it checks timing: the upstream
 * runners' defaults (packetdrill/README.md section 5: local 192.168.0.1, gateway 192.168.0.1/16,
 * remote 192.0.2.1, port 8080, MTU 1500; gtests/net/packetdrill/config.c: tolerance 4000 µs or
 * 12.5 %, TS val unchecked), then the script's header options, then the command line.
 */
public record RunSettings(int localIp, int remoteIp, int gatewayIp, int prefixLength, int bindPort,
                          int connectPort, int mtu, long toleranceUsecs, double tolerancePercent,
                          long tsTickUsecs, boolean tsEcrScaled) {

    /**
     * The {@code -D} defines run_all.py and ksft_runner.sh pass for IPv4 (kernel-baseline.md): the
     * Fast Open cookies the default key gives these addresses, and the ICMP code the TFO scripts use.
     */
    public static final Map<String, String> UPSTREAM_DEFINES = Map.of(
        "TFO_COOKIE", "3021b9d889017eeb",
        "TFO_COOKIE_ZERO", "b7c12350a90dc8f5",
        "CODE", "host_unreachable",
        "CMSG_LEVEL_IP", "SOL_IP",
        "CMSG_TYPE_RECVERR", "IP_RECVERR");

    /**
     * packetdrill options that change nothing the backends do here (--mss only shapes how packetdrill
     * hands large inbound segments to the TUN device as GSO); the run notes them and goes on.
     */
    public static final Set<String> WITHOUT_EFFECT = Set.of(
        "mss", "speed", "send_omit_free", "strict_segments", "verbose", "debug");

    public static RunSettings defaults() {
        return new RunSettings(Skb.ip("192.168.0.1"), Skb.ip("192.0.2.1"), Skb.ip("192.168.0.1"), 16,
            8080, 8080, 1500, 4000, 12.5, 0, false);
    }

    /**
     * These settings with the script's header options applied, then the command line's tolerance
     * (which, as in packetdrill, wins over the script's).
     */
    public RunSettings forScript(Script script, OptionalLong toleranceOverride) throws ScriptError {
        RunSettings s = this;
        for (Script.HeaderOption o : script.options()) s = s.with(script.path(), o);
        if (toleranceOverride.isPresent()) s = s.withTolerance(toleranceOverride.getAsLong());
        return s;
    }

    private RunSettings with(String path, Script.HeaderOption o) throws ScriptError {
        String v = o.value() == null ? "" : o.value();
        try {
            return switch (o.name()) {
                case "local_ip" -> copy(Skb.ip(v), remoteIp, gatewayIp, prefixLength);
                case "remote_ip" -> copy(localIp, Skb.ip(v.replaceAll("/.*", "")), gatewayIp, prefixLength);
                case "gateway_ip" -> copy(localIp, remoteIp, Skb.ip(v), prefixLength);
                case "netmask_ip" -> copy(localIp, remoteIp, gatewayIp, Integer.bitCount(Skb.ip(v)));
                case "tolerance_usecs" -> withTolerance(Long.parseLong(v));
                case "tolerance_percent" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    bindPort, connectPort, mtu, toleranceUsecs, Double.parseDouble(v), tsTickUsecs, tsEcrScaled);
                case "tcp_ts_tick_usecs" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    bindPort, connectPort, mtu, toleranceUsecs, tolerancePercent, Long.parseLong(v), tsEcrScaled);
                case "tcp_ts_ecr_scaled" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    bindPort, connectPort, mtu, toleranceUsecs, tolerancePercent, tsTickUsecs, true);
                case "bind_port" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    port(v), connectPort, mtu, toleranceUsecs, tolerancePercent, tsTickUsecs, tsEcrScaled);
                case "connect_port" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    bindPort, port(v), mtu, toleranceUsecs, tolerancePercent, tsTickUsecs, tsEcrScaled);
                case "mtu" -> new RunSettings(localIp, remoteIp, gatewayIp, prefixLength,
                    bindPort, connectPort, Integer.parseInt(v), toleranceUsecs, tolerancePercent, tsTickUsecs,
                    tsEcrScaled);
                case "ip_version" -> {
                    if (!v.equals("ipv4")) throw new ScriptError(path, o.line(), "not modelled: IPv6 (--ip_version=" + v + ")");
                    yield this;
                }
                default -> {
                    if (WITHOUT_EFFECT.contains(o.name())) yield this;
                    throw new ScriptError(path, o.line(), "unsupported option --" + o.name());
                }
            };
        } catch (IllegalArgumentException e) {
            throw new ScriptError(path, o.line(), "bad value for --" + o.name() + ": " + v);
        }
    }

    private static int port(String v) {
        int p = Integer.parseInt(v);
        if (p <= 0 || p > 0xffff) throw new IllegalArgumentException(v);
        return p;
    }

    private RunSettings copy(int local, int remote, int gateway, int prefix) {
        return new RunSettings(local, remote, gateway, prefix, bindPort, connectPort, mtu, toleranceUsecs,
            tolerancePercent, tsTickUsecs, tsEcrScaled);
    }

    private RunSettings withTolerance(long usecs) {
        return new RunSettings(localIp, remoteIp, gatewayIp, prefixLength, bindPort, connectPort, mtu, usecs,
            tolerancePercent, tsTickUsecs, tsEcrScaled);
    }
}
