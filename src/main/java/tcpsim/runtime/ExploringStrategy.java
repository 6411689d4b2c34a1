package tcpsim.runtime;

import akka.actor.ActorCell;
import akka.dispatch.Mailbox;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A strategy that asks a {@link Chooser} at every scheduling point with a choice and records the
 * answer in a {@link Schedule}; the model's own choices (link faults, timer jitter) go through it as
 * {@link ModelChoices} and are recorded in the same schedule, in the order they were made. Each ready item is keyed by its owner: the actor whose mailbox it is
 * (its cell, by identity), or {@link Schedule#TIMER} for a virtual-time task falling due. Steps with
 * one ready item are no choice and are not recorded.
 */
public final class ExploringStrategy implements Strategy, ModelChoices {
    private final ArrayList<Runnable> items = new ArrayList<>();
    private final ArrayList<Object> owners = new ArrayList<>();
    private final List<Object> ownersView = Collections.unmodifiableList(owners);
    private final Chooser chooser;
    private final String name;
    private final Schedule schedule = new Schedule();

    public ExploringStrategy(Chooser chooser, String name) {
        this.chooser = chooser;
        this.name = name;
    }

    /** The actor (its cell) or TIMER a ready item belongs to. */
    static Object ownerOf(Runnable r) {
        if (r instanceof Mailbox mb) return mb.actor();
        if (r instanceof VirtualScheduler.Due) return Schedule.TIMER;
        return r;
    }

    /** An owner key as a person reads it: the actor's path, or "timer". */
    public static String describe(Object owner) {
        if (owner instanceof ActorCell cell) return cell.self().path().toStringWithoutAddress();
        return String.valueOf(owner);
    }

    @Override
    public void add(Runnable item) {
        items.add(item);
        owners.add(ownerOf(item));
    }

    @Override
    public Runnable poll() {
        chooser.stepped();
        int n = items.size();
        int i = 0;
        if (n > 1) {
            i = chooser.choose(ownersView);
            if (i < 0 || i >= n) throw new IllegalStateException(name + " picked " + i + " of " + n + " ready items");
            schedule.add(i, n);
        }
        chooser.ran(owners.remove(i));
        return items.remove(i);
    }

    @Override
    public int choose(String what, int options) {
        if (options < 2) return 0;
        int i = chooser.perturb(what, options);
        if (i < 0 || i >= options) throw new IllegalStateException(name + " picked " + i + " of " + options + " for " + what);
        schedule.add(i, options);
        return i;
    }

    @Override
    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public void clear() {
        items.clear();
        owners.clear();
    }

    /** The choices made so far. */
    public Schedule schedule() {
        return schedule;
    }

    public Chooser chooser() {
        return chooser;
    }

    @Override
    public String describe() {
        return name;
    }
}
