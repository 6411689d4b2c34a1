package tcpsim.scenario;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tcpsim.net.Inject;

/**
 * A scenario file, checked: hosts (one network namespace each), the links between them, the
 * applications that drive the socket API, and how long to run. Build it with
 * {@link ScenarioLoader#load(Path)}.
 *
 * @param source     the file it came from
 * @param seed       the seed a run uses unless the command line gives one
 * @param hosts      in file order; names and addresses are unique
 * @param links      at most one per pair of hosts
 * @param apps       in file order
 * @param untilNanos virtual time at which the run stops
 * @param inject     race-injection switches ({@code model.inject}); empty for the faithful model
 * @param explore    the explorer's bounds and invariants ({@code explore { ... }})
 */
public record Scenario(Path source, long seed, List<HostSpec> hosts, List<LinkSpec> links,
                       List<AppSpec> apps, long untilNanos, Set<Inject> inject, ExploreSpec explore) {

    /** The seed when the file sets none. */
    public static final long DEFAULT_SEED = 1;

    public Scenario {
        hosts = List.copyOf(hosts);
        links = List.copyOf(links);
        apps = List.copyOf(apps);
        inject = inject.isEmpty() ? Set.of() : Set.copyOf(inject);
    }

    public Scenario(Path source, long seed, List<HostSpec> hosts, List<LinkSpec> links, List<AppSpec> apps,
                    long untilNanos) {
        this(source, seed, hosts, links, apps, untilNanos, Set.of(), ExploreSpec.NONE);
    }

    /** The host of that name; IllegalArgumentException if there is none. */
    public HostSpec host(String name) {
        for (HostSpec h : hosts) if (h.name().equals(name)) return h;
        throw new IllegalArgumentException("no host '" + name + "' in " + source);
    }

    /** The link between two hosts, in either order. */
    public Optional<LinkSpec> link(String a, String b) {
        for (LinkSpec l : links) if (l.joins(a, b)) return Optional.of(l);
        return Optional.empty();
    }
}
