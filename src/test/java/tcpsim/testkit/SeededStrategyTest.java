package tcpsim.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import tcpsim.runtime.Simulation;

/** The strategy and seed options, and the reseeding that makes each test's schedule its own. */
class SeededStrategyTest {
    @RegisterExtension
    static final TcpsimExtension tcpsim = TcpsimExtension.deterministic().strategy("random").seed(7);

    private static List<String> firstOrder;

    /** Five senders race five messages each to one collector; the strategy decides the arrival order. */
    static Behavior<String> race(ActorRef<List<String>> report) {
        return Behaviors.setup(ctx -> {
            List<String> order = new ArrayList<>();
            ActorRef<String> collector = ctx.getSelf();
            for (int s = 0; s < 5; s++) {
                String name = "s" + s;
                ctx.spawn(Behaviors.<String>setup(sender -> {
                    for (int i = 0; i < 5; i++) collector.tell(name + "." + i);
                    return Behaviors.empty();
                }), name);
            }
            return Behaviors.receiveMessage(m -> {
                order.add(m);
                if (order.size() == 25) report.tell(List.copyOf(order));
                return Behaviors.same();
            });
        });
    }

    static List<String> fifoOrder() {
        List<String> fifo = new ArrayList<>();
        for (int s = 0; s < 5; s++) for (int i = 0; i < 5; i++) fifo.add("s" + s + "." + i);
        return fifo;
    }

    @RepeatedTest(2)
    void everyTestReplaysTheSameSeededScheduleWhateverRanBefore(Simulation sim) {
        DeterministicProbe<List<String>> probe = tcpsim.createProbe();
        sim.startRun(race(probe.ref()));
        List<String> order = probe.receiveMessage();

        assertNotEquals(fifoOrder(), order, "seed 7 interleaves the senders");
        if (firstOrder == null) firstOrder = order;
        else assertEquals(firstOrder, order, "the strategy restarts from seed 7 in every test");
    }
}
