package io.leasecr.scenarios;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the scenario files shipped in this module's directory (not the test resources). */
final class ShippedScenarios {
  private ShippedScenarios() {}

  static Path root() {
    Path here = Path.of("").toAbsolutePath();
    // surefire runs in the module directory; an IDE may run in the repository root
    return Files.isDirectory(here.resolve("leases")) ? here : here.resolve("scenarios");
  }

  static List<Path> all() {
    Path root = root();
    // judged on the path inside the module: a checkout directory may itself be called drills or src
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .map(root::relativize)
          .map(p -> Path.of("/").resolve(p))
          .filter(p -> !p.toString().contains("/src/") && !p.toString().contains("/target/"))
          .filter(p -> !p.toString().contains("/experiments/") && !p.toString().contains("/drills/"))
          .filter(p -> !p.toString().contains("/examples/")) // multi-run examples, run in order by CommandLineTest
          .map(p -> root.resolve(Path.of("/").relativize(p)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
