package tcpsim.packetdrill;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The backends the {@code packetdrill} command can run scripts on, by name; each run gets a fresh
 * one (model backends share one simulation, which each run leaves as it found it).
 */
public final class Backends {
    private final Map<String, Supplier<Backend>> factories;

    public Backends(Map<String, Supplier<Backend>> factories) {
        this.factories = Collections.unmodifiableMap(new LinkedHashMap<>(factories));
    }

    /**
     * The backends this build provides: the wiring point for {@code kernel}
     * ({@code tcpsim.packetdrill.kernel.KernelBackend}) and {@code model}.
     */
    public static Backends standard() {
        Map<String, Supplier<Backend>> m = new LinkedHashMap<>();
        m.put("kernel", tcpsim.packetdrill.kernel.KernelBackend::new);
        m.put("model", tcpsim.packetdrill.model.ModelBackend.factory());
        return new Backends(m);
    }

    public Optional<Supplier<Backend>> get(String name) {
        return Optional.ofNullable(factories.get(name));
    }

    public Set<String> names() {
        return factories.keySet();
    }
}
