package tcpsim.net;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** A namespace's SNMP/netstat counters, under the names nstat prints. */
public final class Mib {
    /**
     * include/uapi/linux/snmp.h: the TCP_MIB_* and LINUX_MIB_* items the model moves; the others
     * come with their features (the syncookie counters with syncookies).
     */
    public enum Counter {
        TcpActiveOpens, TcpPassiveOpens, TcpAttemptFails, TcpEstabResets, TcpCurrEstab,
        TcpInSegs, TcpOutSegs, TcpRetransSegs, TcpOutRsts,
        TcpExtListenOverflows, TcpExtListenDrops, TcpExtTCPReqQFullDrop, TcpExtTCPReqQFullDoCookies,
        TcpExtEmbryonicRsts, TcpExtTCPAbortOnTimeout, TcpExtPAWSActiveRejected, TcpExtTCPTimeouts,
        TcpExtTCPSynRetrans
    }

    private static final Counter[] ALL = Counter.values();
    private final AtomicLongArray values = new AtomicLongArray(ALL.length);

    public void inc(Counter c) {
        values.incrementAndGet(c.ordinal());
    }

    public void add(Counter c, long n) {
        values.addAndGet(c.ordinal(), n);
    }

    public long get(Counter c) {
        return values.get(c.ordinal());
    }

    /** Counters that moved (non-zero), in the enum's order, as nstat prints them. */
    public Map<String, Long> nonZero() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Counter c : ALL) {
            long v = values.get(c.ordinal());
            if (v != 0) m.put(c.name(), v);
        }
        return m;
    }
}
