package tcpsim.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;
import tcpsim.runtime.Clock;
import tcpsim.runtime.Trace;

/**
 * Holds every log event of one test instead of printing it; the JUnit 5 counterpart of Akka's
 * {@code CapturingAppender} behind {@code LogCapturing}. While installed it is the root logger's
 * only appender (the configured ones are detached, so a passing test prints nothing, not even a
 * WARN) and the given loggers log at DEBUG. {@link #uninstall()} puts the configuration back.
 * Each event is stamped with the simulation's clock, so a failing test's log reads on virtual time.
 */
final class CapturingAppender extends AppenderBase<ILoggingEvent> {
    /** Oldest events are dropped beyond this, so a long run cannot exhaust the heap. */
    static final int MAX_EVENTS = 10_000;

    private record Captured(long nanos, ILoggingEvent event) {}

    private final Clock clock;
    private final PatternLayout layout = new PatternLayout();
    private final ArrayDeque<Captured> events = new ArrayDeque<>();
    private long dropped;
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    private final Map<Logger, Level> previousLevels = new LinkedHashMap<>();
    private boolean installed;

    private CapturingAppender(Clock clock, String pattern) {
        this.clock = clock;
        layout.setPattern(pattern);
    }

    /**
     * Capture from now on: detach the root logger's appenders, attach this one, and set
     * {@code debugLoggers} to DEBUG. {@code pattern} formats an event after its virtual-time stamp.
     */
    static CapturingAppender install(Clock clock, String pattern, List<String> debugLoggers) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            throw new IllegalStateException("log capture needs Logback behind SLF4J, found "
                + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        CapturingAppender a = new CapturingAppender(clock, pattern);
        a.setContext(ctx);
        a.setName("tcpsim-capture");
        a.layout.setContext(ctx);
        a.layout.start();
        a.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            a.detached.add(it.next());
        }
        root.addAppender(a);
        for (Appender<ILoggingEvent> other : a.detached) root.detachAppender(other);
        for (String name : debugLoggers) {
            Logger l = ctx.getLogger(name);
            a.previousLevels.put(l, l.getLevel()); // null: inherited, and restored as such
            l.setLevel(Level.DEBUG);
        }
        a.installed = true;
        return a;
    }

    @Override
    protected void append(ILoggingEvent event) {
        // freeze the message, thread name and MDC now: the arguments may change before printing
        event.prepareForDeferredProcessing();
        if (events.size() == MAX_EVENTS) {
            events.removeFirst();
            dropped++;
        }
        events.addLast(new Captured(clock.nanos(), event));
    }

    /** Put back the appenders and levels that {@link #install} replaced. Idempotent. */
    synchronized void uninstall() {
        if (!installed) return;
        installed = false;
        Logger root = ((LoggerContext) getContext()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Appender<ILoggingEvent> other : detached) root.addAppender(other);
        root.detachAppender(this);
        previousLevels.forEach(Logger::setLevel);
        stop(); // the layout stays started: lines() may format the events afterwards
    }

    /** The captured events, formatted one per line (stack traces span several), oldest first. */
    synchronized List<String> lines() {
        List<String> out = new ArrayList<>(events.size() + 1);
        if (dropped > 0) out.add("(" + dropped + " earlier events dropped)");
        StringBuilder b = new StringBuilder(160);
        for (Captured c : events) {
            b.setLength(0);
            b.append('[');
            Trace.appendTime(b, c.nanos());
            b.append("] ").append(layout.doLayout(c.event()));
            if (b.charAt(b.length() - 1) == '\n') b.setLength(b.length() - 1);
            out.add(b.toString());
        }
        return out;
    }
}
