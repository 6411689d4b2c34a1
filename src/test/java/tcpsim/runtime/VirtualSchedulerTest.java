package tcpsim.runtime;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.Cancellable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/** The virtual scheduler's queue: cancelled tasks are purged, and the rest fire in (deadline, order). */
class VirtualSchedulerTest {
    static final ExecutionContext NOW = ExecutionContext.fromExecutor(Runnable::run);

    @Test
    void cancelledTasksArePurgedAndTheLiveOnesStillFireInDeadlineThenScheduleOrder() {
        VirtualScheduler s = new VirtualScheduler(null, null, null);
        List<Integer> fired = new ArrayList<>();
        List<Cancellable> handles = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int id = i;
            // deadlines 1..10 ms, 100 tasks each: ties fire in the order they were scheduled
            handles.add(s.scheduleOnce(FiniteDuration.fromNanos((i % 10 + 1) * 1_000_000L), () -> fired.add(id), NOW));
        }
        for (int i = 0; i < 1000; i++) if (i % 4 != 0) assertTrue(handles.get(i).cancel());
        assertEquals(250, s.liveTasks());
        assertTrue(s.queued() < 1000, "cancelled tasks leave the queue before it is drained: " + s.queued());
        assertTrue(s.queued() <= 250 + 2 * 64 + 250, "at most about as many dead as live remain: " + s.queued());
        assertFalse(handles.get(1).cancel(), "a task is cancelled once");
        for (long t = s.nextDeadline(); t != VirtualScheduler.NONE; t = s.nextDeadline()) {
            s.advanceTo(t);
            s.fireDue();
        }
        List<Integer> expected = new ArrayList<>();
        for (int d = 0; d < 10; d++) for (int i = d; i < 1000; i += 10) if (i % 4 == 0) expected.add(i);
        assertEquals(expected, fired);
        assertEquals(0, s.liveTasks());
        assertEquals(0, s.queued());
        assertEquals(9_000_000L, s.nanos(), "the last live deadline (even ids: 1, 3, 5, 7, 9 ms)");
    }
}
