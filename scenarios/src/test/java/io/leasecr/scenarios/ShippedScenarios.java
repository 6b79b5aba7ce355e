package io.leasecr.scenarios;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

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
    // judged on the path inside the module: a checkout directory may itself be called drills or src; src and
    // target are not entered at all (another test class may be deleting files under target meanwhile)
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          String name = dir.equals(root) ? "" : dir.getFileName().toString();
          return name.equals("src") || name.equals("target") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          found.add(file);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found.stream()
        .filter(p -> p.toString().endsWith(".yaml"))
        .map(root::relativize)
        .map(p -> Path.of("/").resolve(p))
        .filter(p -> !p.toString().contains("/experiments/") && !p.toString().contains("/drills/"))
        .filter(p -> !p.toString().contains("/examples/")) // multi-run examples, run in order by CommandLineTest
        .map(p -> root.resolve(Path.of("/").relativize(p)))
        .sorted()
        .toList();
  }
}
