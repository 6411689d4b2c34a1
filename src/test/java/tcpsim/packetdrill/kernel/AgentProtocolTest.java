package tcpsim.packetdrill.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tcpsim.packetdrill.Backend.Arg;
import tcpsim.packetdrill.Backend.Syscall;

/** The parent-agent wire format, without an agent: what crosses it comes back the same. */
class AgentProtocolTest {

    @Test
    void pollsPollfdArrayCrossesTheProtocolIntact() throws Exception {
        Map<String, Arg> first = new LinkedHashMap<>();
        first.put("fd", new Arg.Int(3));
        first.put("events", new Arg.Int(0x4));
        first.put("revents", new Arg.Int(0));
        Map<String, Arg> second = new LinkedHashMap<>(first);
        second.put("fd", new Arg.Int(4));
        Syscall poll = new Syscall("poll", List.of(new Arg.ArrayOf(List.of(new Arg.Struct(first), new Arg.Struct(second))),
            new Arg.Int(2), new Arg.Int(100)));
        String line = AgentProtocol.line(AgentProtocol.syscall(poll));
        Syscall back = AgentProtocol.syscall(AgentProtocol.JSON.readTree(line));
        assertEquals(poll, back);
        assertEquals(List.of("fd", "events", "revents"),
            List.copyOf(((Arg.Struct) ((Arg.ArrayOf) back.args().get(0)).items().get(1)).fields().keySet()), "field order kept");
    }

    @Test
    void eventLinesAreToldApartFromReplies() {
        ObjectNode event = AgentProtocol.NODES.objectNode();
        AgentProtocol.event(event, "packet", 1234).put("packet", "AAAA");
        assertTrue(AgentProtocol.isEvent(AgentProtocol.line(event)), AgentProtocol.line(event));
        assertFalse(AgentProtocol.isEvent(AgentProtocol.line(AgentProtocol.ok())));
        assertFalse(AgentProtocol.isEvent(AgentProtocol.line(AgentProtocol.error("x"))));
    }
}
