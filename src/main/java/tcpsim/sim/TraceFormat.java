package tcpsim.sim;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import tcpsim.net.Skb;

/**
 * Renders messages for the trace without any framework toString: those carry identity hashes and
 * actor uids, which differ between JVMs. ActorRefs print as paths, timer messages as their key,
 * adapted messages as what they wrap, records component by component.
 */
public final class TraceFormat {
    private TraceFormat() {}

    private static final Class<?> TIMER_MSG = load("akka.actor.typed.internal.TimerSchedulerImpl$TimerMsg");
    private static final MethodHandle TIMER_KEY = getter(TIMER_MSG, "key");
    private static final Class<?> ADAPT_REGISTERED = load("akka.actor.typed.internal.AdaptWithRegisteredMessageAdapter");
    private static final MethodHandle ADAPT_REGISTERED_MSG = getter(ADAPT_REGISTERED, "msg");
    private static final Class<?> ADAPT = load("akka.actor.typed.internal.AdaptMessage");
    private static final MethodHandle ADAPT_MSG = getter(ADAPT, "message");

    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override protected RecordComponent[] computeValue(Class<?> type) {
            RecordComponent[] cs = type.getRecordComponents();
            for (RecordComponent c : cs) c.getAccessor().setAccessible(true);
            return cs;
        }
    };

    private static final ClassValue<Boolean> OWN_TO_STRING = new ClassValue<>() {
        @Override protected Boolean computeValue(Class<?> type) {
            if (type.getName().startsWith("akka.") || type.getName().startsWith("scala.")) return false;
            try {
                return type.getMethod("toString").getDeclaringClass() != Object.class;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    };

    public static String message(Object m) {
        StringBuilder b = new StringBuilder(96);
        append(b, m, 0);
        return b.toString();
    }

    static void append(StringBuilder b, Object m, int depth) {
        if (m == null) { b.append("null"); return; }
        if (depth > 6) { b.append("…"); return; }
        try {
            if (m instanceof akka.actor.typed.ActorRef<?> r) { b.append(r.path().toStringWithoutAddress()); return; }
            if (m instanceof akka.actor.ActorRef r) { b.append(r.path().toStringWithoutAddress()); return; }
            if (m instanceof Skb || m instanceof CharSequence || m instanceof Number || m instanceof Boolean
                || m instanceof Enum<?> || m instanceof Character) { b.append(m); return; }
            Class<?> c = m.getClass();
            if (c == TIMER_MSG) { b.append("timer("); append(b, TIMER_KEY.invoke(m), depth + 1); b.append(')'); return; }
            if (c == ADAPT_REGISTERED) { append(b, ADAPT_REGISTERED_MSG.invoke(m), depth + 1); return; }
            if (c == ADAPT) { append(b, ADAPT_MSG.invoke(m), depth + 1); return; }
            if (c.isRecord()) {
                b.append(c.getSimpleName()).append('(');
                RecordComponent[] cs = COMPONENTS.get(c);
                for (int i = 0; i < cs.length; i++) {
                    if (i > 0) b.append(", ");
                    String name = cs[i].getName();
                    b.append(name).append('=');
                    Object v = cs[i].getAccessor().invoke(m);
                    // IPv4 addresses are ints in the model: print them as a person reads them
                    if (v instanceof Integer a && (name.endsWith("addr") || name.endsWith("Ip") || name.endsWith("Addr"))) {
                        b.append(Skb.ip(a));
                    } else {
                        append(b, v, depth + 1);
                    }
                }
                b.append(')');
                return;
            }
            if (m instanceof Collection<?> col) {
                b.append('[');
                boolean first = true;
                for (Object o : col) {
                    if (!first) b.append(", ");
                    first = false;
                    append(b, o, depth + 1);
                }
                b.append(']');
                return;
            }
            if (m instanceof Map<?, ?> map) {
                append(b, map.entrySet(), depth + 1);
                return;
            }
            if (m instanceof Map.Entry<?, ?> e) {
                append(b, e.getKey(), depth + 1);
                b.append('=');
                append(b, e.getValue(), depth + 1);
                return;
            }
            // Anything else: its class only, never Object.toString's identity hash.
            if (c.isHidden() || c.isSynthetic() || c.isAnonymousClass()) b.append("<fn>");
            else if (OWN_TO_STRING.get(c)) b.append(m);
            else b.append(c.getSimpleName()); // Object.toString would print an identity hash
        } catch (Throwable t) {
            b.append('<').append(m.getClass().getSimpleName()).append('>');
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MethodHandle getter(Class<?> c, String name) {
        try {
            return MethodHandles.publicLookup().unreflect(c.getMethod(name));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
