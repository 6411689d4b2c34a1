package tcpsim.runtime;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The executor behind every dispatcher in deterministic mode. Akka hands it each actor's mailbox (and
 * scheduled tasks) as a Runnable; it only queues them for the strategy. The simulation's driver runs
 * them one at a time. Work handed in from any other thread would make the run depend on thread
 * timing, so it is refused: that catches Akka's CompletionStage callbacks, which hop to the common
 * pool.
 */
public final class ControlledExecutor extends AbstractExecutorService {
    private final Thread driver;
    private Strategy strategy;

    public ControlledExecutor(Thread driver, Strategy strategy) {
        this.driver = driver;
        this.strategy = strategy;
    }

    private volatile IllegalStateException violation;

    @Override
    public void execute(Runnable command) {
        if (Thread.currentThread() != driver) throw refuse("work handed to the simulation");
        strategy.add(command);
    }

    /**
     * {@code what} came from a thread other than the driver. Akka swallows exceptions thrown into it,
     * so the first is also remembered: the driver fails on its next step.
     */
    IllegalStateException refuse(String what) {
        IllegalStateException e = new IllegalStateException("deterministic mode: " + what + " from thread '"
            + Thread.currentThread().getName() + "', not the driver '" + driver.getName()
            + "' (a CompletionStage callback? use message adapters and timers in the model)");
        if (violation == null) violation = e;
        return e;
    }

    private static final Map<akka.actor.ActorSystem, ControlledExecutor> BY_SYSTEM =
        Collections.synchronizedMap(new WeakHashMap<>());

    /** The executor driving {@code system}, for its mailboxes. */
    static void register(akka.actor.ActorSystem system, ControlledExecutor executor) {
        BY_SYSTEM.put(system, executor);
    }

    static ControlledExecutor of(akka.actor.ActorSystem system) {
        return BY_SYSTEM.get(system);
    }

    /** Throws the first cross-thread hand-over seen, if any: the run is no longer reproducible. */
    void checkViolation() {
        IllegalStateException e = violation;
        if (e != null) throw new IllegalStateException(e.getMessage(), e);
    }

    public Thread driver() {
        return driver;
    }

    Strategy strategy() {
        return strategy;
    }

    /** Swap the strategy between runs; ready items carry over in their order. */
    void strategy(Strategy next) {
        while (!strategy.isEmpty()) next.add(strategy.poll());
        strategy = next;
    }

    @Override public void shutdown() {}
    @Override public List<Runnable> shutdownNow() { return List.of(); }
    @Override public boolean isShutdown() { return false; }
    @Override public boolean isTerminated() { return false; }
    @Override public boolean awaitTermination(long timeout, TimeUnit unit) { return true; }
}
