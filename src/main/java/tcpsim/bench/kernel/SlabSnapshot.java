package tcpsim.bench.kernel;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One reading of the kernel's slab memory: the {@code Slab:}, {@code SReclaimable:} and
 * {@code SUnreclaim:} lines of /proc/meminfo, and the per-cache counts of /proc/slabinfo when this
 * process may read it (root only; {@code caches} is empty otherwise).
 */
record SlabSnapshot(long slabBytes, long reclaimableBytes, long unreclaimableBytes, Map<String, Cache> caches) {

    /** One /proc/slabinfo line (mm/slab_common.c: cache_show). */
    record Cache(String name, long activeObjs, long numObjs, int objSize, long slabs, int pagesPerSlab) {
        long slabPages() {
            return slabs * pagesPerSlab;
        }
    }

    static SlabSnapshot read() throws IOException {
        Map<String, Long> meminfo = meminfoKb(Files.readAllLines(Path.of("/proc/meminfo")));
        return new SlabSnapshot(
            kb(meminfo, "Slab") * 1024, kb(meminfo, "SReclaimable") * 1024, kb(meminfo, "SUnreclaim") * 1024,
            slabinfo());
    }

    private static long kb(Map<String, Long> meminfo, String field) {
        Long v = meminfo.get(field);
        if (v == null) {
            throw new IllegalStateException("/proc/meminfo has no " + field + ": line");
        }
        return v;
    }

    static Map<String, Long> meminfoKb(List<String> lines) {
        Map<String, Long> out = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] value = line.substring(colon + 1).trim().split("\\s+");
            out.put(line.substring(0, colon), Long.parseLong(value[0]));
        }
        return out;
    }

    /**
     * For each slab cache that SLUB merged others into, the other names it stands for
     * (mm/slab_common.c: find_mergeable; /sys/kernel/slab lists the aliases as symlinks to
     * the shared cache). /proc/slabinfo shows only one name per merged cache, which can mislead:
     * tcp_bind_bucket objects may be listed as, say, eventpoll_epi. Empty without SLUB sysfs.
     */
    static Map<String, List<String>> mergedNames() {
        Path sys = Path.of("/sys/kernel/slab");
        Map<String, List<String>> byTarget = new HashMap<>();
        Map<String, String> targetOf = new HashMap<>();
        try (Stream<Path> entries = Files.list(sys)) {
            for (Path e : (Iterable<Path>) entries::iterator) {
                String name = e.getFileName().toString();
                String target = Files.isSymbolicLink(e) ? Files.readSymbolicLink(e).getFileName().toString() : name;
                targetOf.put(name, target);
                if (!name.startsWith(":")) {
                    byTarget.computeIfAbsent(target, t -> new ArrayList<>()).add(name);
                }
            }
        } catch (IOException noSlubSysfs) {
            return Map.of();
        }
        Map<String, List<String>> out = new HashMap<>();
        targetOf.forEach((name, target) -> {
            List<String> others = new ArrayList<>(byTarget.getOrDefault(target, List.of()));
            others.remove(name);
            if (!name.startsWith(":") && !others.isEmpty()) {
                Collections.sort(others);
                out.put(name, List.copyOf(others));
            }
        });
        return out;
    }

    private static Map<String, Cache> slabinfo() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/slabinfo"));
        } catch (AccessDeniedException notRoot) {
            return Map.of();
        }
        return parseSlabinfo(lines);
    }

    /**
     * Parses slabinfo version 2.1: {@code name active_objs num_objs objsize objperslab
     * pagesperslab : tunables ... : slabdata active_slabs num_slabs sharedavail}.
     */
    static Map<String, Cache> parseSlabinfo(List<String> lines) {
        if (lines.isEmpty() || !lines.get(0).startsWith("slabinfo - version: 2.")) {
            throw new IllegalStateException("/proc/slabinfo: expected 'slabinfo - version: 2.x' on line 1");
        }
        Map<String, Cache> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            int slabdata = List.of(f).indexOf("slabdata");
            if (f.length < 6 || slabdata < 0 || slabdata + 2 >= f.length) {
                throw new IllegalStateException("/proc/slabinfo: cannot parse line '" + line + "'");
            }
            out.put(f[0], new Cache(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                Long.parseLong(f[slabdata + 2]), Integer.parseInt(f[5])));
        }
        return out;
    }
}
