package tcpsim.scenario;

import tcpsim.net.Sysctls;

/**
 * One host: a network namespace with one address and its own sysctls.
 *
 * @param name    as written under {@code hosts}
 * @param ip      IPv4, host byte order, as in {@link tcpsim.net.Skb}
 * @param sysctls the defaults with this host's overrides applied
 */
public record HostSpec(String name, int ip, Sysctls sysctls) {
}
