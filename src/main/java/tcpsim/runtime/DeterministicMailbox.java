package tcpsim.runtime;

import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.dispatch.Envelope;
import akka.dispatch.MailboxType;
import akka.dispatch.MessageQueue;
import akka.dispatch.ProducesMessageQueue;
import akka.dispatch.UnboundedMessageQueueSemantics;
import com.typesafe.config.Config;
import scala.Option;

/**
 * The mailbox of deterministic mode (configuration: akka.actor.typed.default-mailbox), where one
 * thread does all sends and all runs. A plain array ring: no node per message and no atomic
 * exchange, which Akka's lock-free queue pays for thread safety this mode does not need. A send
 * from another thread than the one that made the system is refused, as ControlledExecutor refuses
 * work from one.
 */
public final class DeterministicMailbox implements MailboxType, ProducesMessageQueue<DeterministicMailbox.Queue> {
    public DeterministicMailbox(ActorSystem.Settings settings, Config config) {}

    @Override
    public MessageQueue create(Option<ActorRef> owner, Option<ActorSystem> system) {
        return new Queue(system.isDefined() ? system.get() : null);
    }

    public static final class Queue implements MessageQueue, UnboundedMessageQueueSemantics {
        private static final Envelope[] EMPTY = new Envelope[0];
        private final Thread driver = Thread.currentThread();
        private final ActorSystem system;
        private Envelope[] ring = EMPTY; // grown on first use: most actors hold one message at a time
        private int head;
        private int size;

        Queue(ActorSystem system) {
            this.system = system;
        }

        @Override
        public void enqueue(ActorRef receiver, Envelope handle) {
            if (Thread.currentThread() != driver) {
                String what = "a message to " + receiver.path() + " sent";
                ControlledExecutor executor = ControlledExecutor.of(system);
                throw executor != null ? executor.refuse(what) : new IllegalStateException("deterministic mode: " + what
                    + " from thread '" + Thread.currentThread().getName() + "', not the driver '" + driver.getName() + "'");
            }
            if (size == ring.length) grow();
            ring[(head + size) & (ring.length - 1)] = handle;
            size++;
        }

        private void grow() {
            Envelope[] next = new Envelope[Math.max(2, ring.length * 2)];
            for (int i = 0; i < size; i++) next[i] = ring[(head + i) & (ring.length - 1)];
            ring = next;
            head = 0;
        }

        @Override
        public Envelope dequeue() {
            if (size == 0) return null;
            Envelope e = ring[head];
            ring[head] = null;
            head = (head + 1) & (ring.length - 1);
            size--;
            return e;
        }

        /** The next message, left in place (for the trace). */
        public Envelope peek() {
            return size == 0 ? null : ring[head];
        }

        @Override
        public int numberOfMessages() {
            return size;
        }

        @Override
        public boolean hasMessages() {
            return size != 0;
        }

        @Override
        public void cleanUp(ActorRef owner, MessageQueue deadLetters) {
            for (Envelope e = dequeue(); e != null; e = dequeue()) deadLetters.enqueue(owner, e);
        }
    }
}
