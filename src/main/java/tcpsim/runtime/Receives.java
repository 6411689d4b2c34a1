package tcpsim.runtime;

import akka.actor.typed.Behavior;
import akka.actor.typed.Signal;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.util.function.Function;

/**
 * A Receive that hands every message to one method, which dispatches with instanceof. The
 * ReceiveBuilder tests each case's class in turn, and was 6 % of a handshake's CPU. Signals are
 * unhandled (the model's actors watch nothing).
 */
public final class Receives {
    private Receives() {}

    public static <T> Receive<T> of(Function<T, Behavior<T>> onMessage) {
        return new Receive<>() {
            @Override
            public Behavior<T> receiveMessage(T m) {
                return onMessage.apply(m);
            }

            @Override
            public Behavior<T> receiveSignal(Signal sig) {
                return Behaviors.unhandled();
            }
        };
    }
}
