package tcpsim.packetdrill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Locates the shared packetdrill example scripts (test data kept outside the project). */
final class Examples {
    private Examples() {}

    /** shared/packetdrill/examples, found from the project directory (system property tcpsim.home). */
    static Optional<Path> dir() {
        Path home = Path.of(System.getProperty("tcpsim.home", ".")).toAbsolutePath().normalize();
        for (String rel : List.of("../../shared/packetdrill/examples", "../shared/packetdrill/examples")) {
            Path p = home.resolve(rel).normalize();
            if (Files.isDirectory(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    static List<Path> scripts(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".pkt")).sorted().toList();
        }
    }
}
