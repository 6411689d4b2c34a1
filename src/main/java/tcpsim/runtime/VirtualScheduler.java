package tcpsim.runtime;

import akka.actor.AbstractScheduler;
import akka.actor.Cancellable;
import akka.event.LoggingAdapter;
import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadFactory;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * Akka's scheduler on virtual time (akka.scheduler.implementation). Tasks wait in a queue ordered by
 * (deadline, sequence number), so ties fire in the order they were scheduled; the driver fires due
 * tasks and jumps the clock to the next deadline when nothing is ready. Typed timers, ctx.scheduleOnce
 * and ask timeouts all land here. Only the driver thread may touch it.
 */
public final class VirtualScheduler extends AbstractScheduler implements Clock, Closeable {
    public static final long NONE = Long.MAX_VALUE;

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private int live;
    /** Cancelled tasks still in the queue: purged when they are half of it (a socket's timer is re-armed and deleted per connection). */
    private int cancelledQueued;

    /** Constructor signature required by ActorSystemImpl.createScheduler. */
    public VirtualScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {}

    private final class Task implements Cancellable, Comparable<Task> {
        long deadline;
        long order;
        final long interval; // 0 for one-shot
        final Runnable runnable;
        final ExecutionContext ec;
        boolean cancelled;
        boolean done;

        Task(long deadline, long interval, Runnable runnable, ExecutionContext ec) {
            this.deadline = deadline;
            this.order = seq++;
            this.interval = interval;
            this.runnable = runnable;
            this.ec = ec;
        }

        @Override public int compareTo(Task o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(order, o.order);
        }

        @Override public boolean cancel() {
            if (cancelled || done) return false;
            cancelled = true;
            live--;
            if (++cancelledQueued > 64 && cancelledQueued > queue.size() / 2) purge();
            return true;
        }

        @Override public boolean isCancelled() { return cancelled; }
    }

    @Override
    public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext executor) {
        return add(Math.max(0, delay.toNanos()), 0, runnable, executor);
    }

    @Override
    @SuppressWarnings("deprecation")
    public Cancellable schedule(FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable,
                                ExecutionContext executor) {
        return add(Math.max(0, initialDelay.toNanos()), Math.max(1, interval.toNanos()), runnable, executor);
    }

    private Task add(long delay, long interval, Runnable r, ExecutionContext ec) {
        Task t = new Task(now + delay, interval, r, ec);
        queue.add(t);
        live++;
        return t;
    }

    @Override
    public double maxFrequency() {
        return 1.0e9;
    }

    @Override
    public long nanos() {
        return now;
    }

    private void purge() {
        queue.removeIf(t -> t.cancelled);
        cancelledQueued = 0;
    }

    /** A task falling due, as the executor's strategy sees it: a timer, not an actor's mailbox. */
    public static final class Due implements Runnable {
        private final Runnable task;

        Due(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            task.run();
        }
    }

    /** Run every live task whose deadline is at or before now. Returns how many fired. */
    public int fireDue() {
        int n = 0;
        Task t;
        while ((t = queue.peek()) != null && t.deadline <= now) {
            queue.poll();
            if (t.cancelled) {
                cancelledQueued--;
                continue;
            }
            if (t.interval > 0) {
                // fixed rate: the same handle is re-queued, so cancelling it stops the series
                t.deadline += t.interval;
                t.order = seq++;
                queue.add(t);
            } else {
                t.done = true;
                live--;
            }
            t.ec.execute(new Due(t.runnable));
            n++;
        }
        return n;
    }

    /** The next live deadline, or {@link #NONE}. Drops cancelled heads on the way. */
    public long nextDeadline() {
        Task t;
        while ((t = queue.peek()) != null && t.cancelled) {
            queue.poll();
            cancelledQueued--;
        }
        return t == null ? NONE : t.deadline;
    }

    /** Jump the clock forward; never backward. */
    public void advanceTo(long nanos) {
        if (nanos > now) now = nanos;
    }

    /** Tasks in the queue, cancelled ones not yet purged included. */
    int queued() {
        return queue.size();
    }

    /** Live (scheduled, not cancelled, not fired) tasks. */
    public int liveTasks() {
        return live;
    }

    /** Drop every task and set the clock to zero, between runs. */
    public void reset() {
        queue.clear();
        now = 0;
        live = 0;
        cancelledQueued = 0;
    }

    @Override
    public void close() {
        queue.clear();
    }
}
