package tcpsim.runtime;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.ActorRef;
import akka.dispatch.Envelope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The deterministic mode's mailbox queue: first in, first out, across wrap-around and growth. */
class DeterministicMailboxTest {
    static Envelope env(int i) {
        return Envelope.apply(i, ActorRef.noSender());
    }

    @Test
    void keepsOrderThroughWrapAroundAndGrowth() {
        DeterministicMailbox.Queue q = new DeterministicMailbox.Queue(null);
        assertFalse(q.hasMessages());
        assertNull(q.dequeue());
        List<Object> out = new ArrayList<>();
        int next = 0;
        // interleave so the head wraps inside the ring before every growth
        for (int round = 1; round <= 6; round++) {
            for (int i = 0; i < round * 3; i++) q.enqueue(null, env(next++));
            for (int i = 0; i < round * 2; i++) out.add(q.dequeue().message());
        }
        assertEquals(next - out.size(), q.numberOfMessages());
        assertEquals(out.size(), q.peek().message(), "peek shows the next one without taking it");
        for (Envelope e = q.dequeue(); e != null; e = q.dequeue()) out.add(e.message());
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < next; i++) expected.add(i);
        assertEquals(expected, out);
        assertFalse(q.hasMessages());
    }
}
