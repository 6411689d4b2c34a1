package tcpsim.runtime;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.util.concurrent.CompletableFuture;

/**
 * The user guardian. It holds one run at a time under the fixed name {@code run}, so paths in the
 * trace are the same in every run; a run is stopped and fully gone (its Terminated seen) before the
 * next may start, since reusing a name too early terminates the whole system.
 */
public final class RuntimeGuardian extends AbstractBehavior<RuntimeGuardian.Command> {
    public sealed interface Command {}

    /** Spawn the run's root; the future gets its ref. */
    public record StartRun(Behavior<?> root, CompletableFuture<ActorRef<?>> started) implements Command {}

    /** Stop the run; the future completes when the run is gone. */
    public record StopRun(CompletableFuture<Void> stopped) implements Command {}

    private ActorRef<?> run;
    private CompletableFuture<Void> stopping;

    public static Behavior<Command> create() {
        return Behaviors.setup(RuntimeGuardian::new);
    }

    private RuntimeGuardian(ActorContext<Command> ctx) {
        super(ctx);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
            .onMessage(StartRun.class, this::onStartRun)
            .onMessage(StopRun.class, this::onStopRun)
            .onSignal(Terminated.class, this::onTerminated)
            .build();
    }

    private Behavior<Command> onStartRun(StartRun m) {
        if (run != null) {
            m.started().completeExceptionally(new IllegalStateException("a run is already active"));
            return this;
        }
        run = getContext().spawn(m.root(), "run");
        getContext().watch(run);
        m.started().complete(run);
        return this;
    }

    private Behavior<Command> onStopRun(StopRun m) {
        if (run == null) {
            m.stopped().complete(null);
            return this;
        }
        stopping = m.stopped();
        getContext().stop(run);
        return this;
    }

    private Behavior<Command> onTerminated(Terminated t) {
        run = null;
        if (stopping != null) {
            CompletableFuture<Void> f = stopping;
            stopping = null;
            f.complete(null);
        }
        return this;
    }
}
