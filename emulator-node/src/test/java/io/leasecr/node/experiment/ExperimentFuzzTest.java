package io.leasecr.node.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.input.FuzzInputs;
import io.leasecr.core.scenario.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The experiment parser on mutated shipped experiments (beside a copy of their base scenarios): every
 * input parses or is refused in words naming a file and line, and no refusal quotes another file's text
 * (an experiment's {@code scenario: ../../../../etc/shadow}).
 */
class ExperimentFuzzTest {

  private static Path dir;

  @BeforeContainer
  static void copyTheExperiments() throws IOException {
    dir = Files.createTempDirectory("experiment-fuzz");
    Path from = Path.of("../scenarios/experiments");
    Files.createDirectories(dir.resolve("base"));
    if (Files.isDirectory(from)) {
      try (Stream<Path> s = Files.walk(from)) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          Path to = dir.resolve(from.relativize(p).toString());
          Files.createDirectories(to.getParent());
          Files.copy(p, to);
        }
      }
    }
  }

  @AfterContainer
  static void removeTheCopy() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Provide
  Arbitrary<String> mutatedExperiments() {
    List<String> texts = FuzzInputs.yamlFiles(Path.of("../scenarios/experiments")).stream()
        .filter(t -> t.startsWith("experiment:")).toList();
    if (texts.isEmpty()) {
      texts = List.of("experiment: e\nscenario: /nonexistent.yaml\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 10s\n");
    }
    return FuzzInputs.mutated(texts);
  }

  @Property(seed = "20261206")
  void mutatedExperimentsParseOrAreRefusedInWords(@ForAll("mutatedExperiments") String text) throws IOException {
    Path file = dir.resolve("fuzz.yaml");
    Files.writeString(file, text);
    long start = System.nanoTime();
    try {
      Experiment e = ExperimentParser.parse(file);
      assertThat(e.grid().size()).isBetween(1L, ExperimentParser.MAX_RUNS);
      Statistics.collect("parsed");
    } catch (ScenarioException e) {
      Statistics.collect(e.getMessage().startsWith(file.toString()) ? "refused" : "refused in another file");
      String m = e.getMessage();
      if (m.startsWith(file.toString())) {
        FuzzInputs.assertInWords(m, file.toString());
      } else { // an error in the base scenario names that file; never its content unless it is a scenario
        FuzzInputs.assertInWords(m, e.file());
        Path other = Path.of(e.file());
        if (!other.startsWith(dir) && Files.isReadable(other)) {
          assertThat(m).doesNotContain(firstLine(other));
        }
      }
    }
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(2000);
  }

  private static String firstLine(Path p) {
    try {
      String t = Files.readString(p).lines().findFirst().orElse("").strip();
      return t.length() < 6 ? "\u0000never" : t.substring(0, 6);
    } catch (IOException | UncheckedIOException e) {
      return "\u0000never";
    }
  }
}
