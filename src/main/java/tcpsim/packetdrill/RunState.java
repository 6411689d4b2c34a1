package tcpsim.packetdrill;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tcpsim.packetdrill.ScriptResult.LogEntry;

/**
 * What the event loop ({@link ScriptRunner}, run.c), the packets ({@link RunPackets},
 * run_packet.c) and the system calls ({@link RunSystemCalls}, run_system_call.c) of one run share:
 * gtests/net/packetdrill/run.h struct state, with socket.h struct socket for the script's fds.
 */
final class RunState {
    final Backend backend;
    final String file;
    final List<Event> events;
    /** Each event's script time, relative times resolved (run.c adjust_relative_event_times()). */
    final long[] start;
    /** The end of each event's time range, or of its blocking call. */
    final long[] end;
    final List<LogEntry> log = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<Fd> fds = new ArrayList<>();
    RunSettings settings;
    Sock underTest;
    long liveStart;
    /** Script time the previous event's effect finished at; -1 before the first event. */
    long lastDone = -1;
    boolean started;
    int line;

    RunState(Script script, Backend backend) {
        this.backend = backend;
        this.file = script.path();
        this.events = script.events();
        this.start = new long[events.size()];
        this.end = new long[events.size()];
    }

    long now() {
        return started ? backend.nowMicros() - liveStart : 0;
    }

    LogEntry entryAt(String kind, String text, long time) {
        return new LogEntry(line, kind, text, time, text);
    }

    enum SockState {
        NEW, ACTIVE_CONNECTING, ACTIVE_SYN_SENT, ACTIVE_SYN_ACKED, PASSIVE_LISTENING,
        PASSIVE_PACKET_RECEIVED, PASSIVE_SYNACK_SENT, PASSIVE_SYNACK_ACKED
    }

    /** A script fd and the backend fd it stands for. */
    static class Fd {
        int scriptFd;
        int liveFd;
        boolean closed;

        Fd(int scriptFd, int liveFd) {
            this.scriptFd = scriptFd;
            this.liveFd = liveFd;
        }
    }

    /** socket.h struct socket: live 4-tuple, ISNs and the TS val mapping. */
    static final class Sock extends Fd {
        SockState state = SockState.NEW;
        int localIp, localPort, remoteIp, remotePort;
        int scriptLocalIsn, liveLocalIsn, liveRemoteIsn;
        final Map<Integer, Integer> tsValMap = new HashMap<>();
        boolean foundFirstTs;
        int firstScriptTsVal, firstActualTsVal;

        Sock(int scriptFd, int liveFd) {
            super(scriptFd, liveFd);
        }
    }
}
