package tcpsim.runtime;

import akka.actor.setup.ActorSystemSetup;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Adapter;
import akka.dispatch.Envelope;
import akka.dispatch.Mailbox;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import scala.concurrent.ExecutionContext;

/**
 * One ActorSystem and the loop that drives it. In deterministic mode every mailbox run goes through
 * the {@link ControlledExecutor} and this thread runs them one at a time in the order the
 * {@link Strategy} picks; when nothing is ready the virtual clock jumps to the next timer. In wild
 * mode the same behaviours run on Akka's own dispatcher and scheduler, in real time. Only the
 * configuration differs between the modes ({@code tcpsim.akka.deterministic} / {@code .wild} in
 * conf/application.conf).
 *
 * <p>The system is reused across runs: {@link #startRun} spawns a run's root under /user/run and
 * {@link #stopRun} stops it, drains, and resets the clock, so thousands of short runs cost no
 * system start each.
 */
public final class Simulation implements AutoCloseable {
    public enum Mode { DETERMINISTIC, WILD }

    private final Mode mode;
    private final ActorSystem<RuntimeGuardian.Command> system;
    private final ControlledExecutor executor;
    private final VirtualScheduler scheduler;
    private final Clock clock;
    private final long wildEpoch;
    private Trace trace = Trace.OFF;
    /** Renders a delivered message for the trace; handed in by the layer that knows the messages. */
    private Function<Object, String> format = String::valueOf;
    private long deliveries;
    private ActorRef<?> run;

    private Simulation(Mode mode, Strategy strategy, String name) {
        this.mode = mode;
        Config base = ConfigFactory.load();
        Config akkaConfig = base.getConfig(mode == Mode.DETERMINISTIC ? "tcpsim.akka.deterministic" : "tcpsim.akka.wild")
            .withFallback(base);
        if (mode == Mode.DETERMINISTIC) {
            executor = new ControlledExecutor(Thread.currentThread(), strategy);
            akka.actor.BootstrapSetup boot = akka.actor.BootstrapSetup.create(akkaConfig)
                .withDefaultExecutionContext(ExecutionContext.fromExecutorService(executor));
            system = ActorSystem.create(RuntimeGuardian.create(), name, ActorSystemSetup.create(boot));
            ControlledExecutor.register(Adapter.toClassic(system), executor);
            scheduler = (VirtualScheduler) Adapter.toClassic(system).scheduler();
            clock = scheduler;
            wildEpoch = 0;
            drain();
        } else {
            executor = null;
            scheduler = null;
            system = ActorSystem.create(RuntimeGuardian.create(), name, akkaConfig);
            wildEpoch = System.nanoTime(); // wild mode runs in real time; the model sees it only through Clock
            clock = () -> System.nanoTime() - wildEpoch;
        }
    }

    public static Simulation deterministic(Strategy strategy) {
        return new Simulation(Mode.DETERMINISTIC, strategy, "tcpsim");
    }

    public static Simulation wild() {
        return new Simulation(Mode.WILD, null, "tcpsim");
    }

    public static Simulation create(Mode mode, Strategy strategy) {
        return mode == Mode.DETERMINISTIC ? deterministic(strategy) : wild();
    }

    public Mode mode() {
        return mode;
    }

    public ActorSystem<?> system() {
        return system;
    }

    public Clock clock() {
        return clock;
    }

    public long nowNanos() {
        return clock.nanos();
    }

    /** Message deliveries so far (mailbox runs that handed a behaviour a message). */
    public long deliveries() {
        return deliveries;
    }

    /**
     * Trace deliveries (deterministic mode) to this trace, each message rendered by {@code format};
     * model events go to the same trace.
     */
    public void trace(Trace t, Function<Object, String> format) {
        this.trace = t;
        this.format = format;
    }

    public Trace trace() {
        return trace;
    }

    /** Use another strategy from now on (deterministic mode), e.g. reseeded for the next run. */
    public void strategy(Strategy s) {
        requireDeterministic();
        executor.strategy(s);
    }

    /**
     * Where the model asks its own choices (link faults, timer jitter) in the next run: the strategy,
     * if it is an explorer's; else {@link ModelChoices#NONE}, as always in wild mode.
     */
    public ModelChoices modelChoices() {
        if (mode != Mode.DETERMINISTIC) return ModelChoices.NONE;
        return executor.strategy() instanceof ModelChoices c ? c : ModelChoices.NONE;
    }

    /** Spawn a run's root actor under /user/run. One run at a time. */
    @SuppressWarnings("unchecked")
    public <T> ActorRef<T> startRun(Behavior<T> root) {
        if (run != null) throw new IllegalStateException("a run is active: stopRun() first");
        CompletableFuture<ActorRef<?>> started = new CompletableFuture<>();
        system.tell(new RuntimeGuardian.StartRun(root, started));
        run = await(started);
        return (ActorRef<T>) run;
    }

    /** Stop the run, let everything it left drain, and (deterministic mode) reset the clock to 0. */
    public void stopRun() {
        if (run == null) return;
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        system.tell(new RuntimeGuardian.StopRun(stopped));
        await(stopped);
        run = null;
        if (mode == Mode.DETERMINISTIC) {
            drain();
            scheduler.reset();
        }
    }

    private <V> V await(CompletableFuture<V> f) {
        if (mode == Mode.DETERMINISTIC) {
            while (!f.isDone()) {
                if (!step()) throw new IllegalStateException("simulation went idle before the guardian answered");
            }
            return f.join();
        }
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the actor system did not answer", e);
        }
    }

    /**
     * One scheduling step (deterministic mode): fire due timers; if something is ready, run what the
     * strategy picks; else jump the clock to the next deadline. False when nothing is ready and no
     * timer is pending (quiescence).
     */
    public boolean step() {
        requireDeterministic();
        executor.checkViolation();
        scheduler.fireDue();
        Strategy s = executor.strategy();
        if (!s.isEmpty()) {
            runOne(s.poll());
            return true;
        }
        long next = scheduler.nextDeadline();
        if (next == VirtualScheduler.NONE) return false;
        scheduler.advanceTo(next);
        return true;
    }

    private void runOne(Runnable r) {
        executor.checkViolation();
        if (r instanceof Mailbox mb && mb.hasMessages()) {
            deliveries++;
            if (trace.on()) traceDelivery(mb);
        }
        r.run();
    }

    private void traceDelivery(Mailbox mb) {
        String path = mb.actor().self().path().toStringWithoutAddress();
        if (!path.startsWith("/user/run")) return;
        Object head = null;
        Object q = mb.messageQueue();
        if (q instanceof DeterministicMailbox.Queue dq) head = dq.peek();
        else if (q instanceof akka.dispatch.AbstractNodeQueue<?> nq) head = nq.peek();
        else if (q instanceof Queue<?> cq) head = cq.peek();
        Object msg = head instanceof Envelope e ? e.message() : head;
        trace.event("deliver", path, format.apply(msg));
    }

    /** Run only what is ready now, without moving the clock. */
    public void drain() {
        requireDeterministic();
        Strategy s = executor.strategy();
        while (true) {
            scheduler.fireDue();
            if (s.isEmpty()) return;
            runOne(s.poll());
        }
    }

    /** Run until nothing is ready and no timer is pending. Returns the steps taken. */
    public long runUntilQuiescent() {
        requireDeterministic(); // wild mode cannot see quiescence: this would wait forever
        return runUntil(() -> false, Long.MAX_VALUE);
    }

    /** Run until virtual time {@code nanos} (timers due then have fired and their work is done). */
    public void runFor(long nanos) {
        long until = nowNanos() + nanos;
        runUntil(() -> false, until);
        if (mode == Mode.DETERMINISTIC) scheduler.advanceTo(until);
    }

    /**
     * Run until {@code done} holds, nothing is left to do, or time reaches {@code deadlineNanos}
     * (virtual in deterministic mode, real in wild mode). Returns the steps taken (0 in wild mode).
     */
    public long runUntil(BooleanSupplier done, long deadlineNanos) {
        if (mode == Mode.WILD) {
            while (!done.getAsBoolean() && clock.nanos() < deadlineNanos) LockSupport.parkNanos(50_000);
            return 0;
        }
        long steps = 0;
        Strategy s = executor.strategy();
        while (!done.getAsBoolean()) {
            scheduler.fireDue();
            if (!s.isEmpty()) {
                runOne(s.poll());
                steps++;
                continue;
            }
            long next = scheduler.nextDeadline();
            if (next == VirtualScheduler.NONE || next > deadlineNanos) break;
            scheduler.advanceTo(next);
        }
        return steps;
    }

    /** Pending timers (deterministic mode). */
    public int pendingTimers() {
        requireDeterministic();
        return scheduler.liveTasks();
    }

    private void requireDeterministic() {
        if (mode != Mode.DETERMINISTIC) throw new IllegalStateException("only in deterministic mode");
    }

    @Override
    public void close() {
        if (mode == Mode.DETERMINISTIC) {
            if (run != null) stopRun();
            system.terminate();
            long guard = 0;
            while (!system.whenTerminated().isCompleted() && guard++ < 100_000) {
                if (!step()) break;
            }
        } else {
            system.terminate();
            try {
                scala.concurrent.Await.ready(system.whenTerminated(),
                    scala.concurrent.duration.Duration.create(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (TimeoutException e) {
                throw new IllegalStateException("the actor system did not terminate in 30 s", e);
            }
        }
    }
}
