package io.leasecr.node.drillfile;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.input.FuzzInputs;
import io.leasecr.core.scenario.ScenarioException;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import net.jqwik.api.statistics.Statistics;

/** The drill parser on mutated shipped drills: every input parses or is refused in words with FILE:LINE. */
class DrillFuzzTest {

  @Provide
  Arbitrary<String> mutatedDrills() {
    // a generated tree of 10000 processes takes seconds to parse (as it should): 20 keep each try short
    List<String> texts = FuzzInputs.yamlFiles(Path.of("../scenarios/drills")).stream()
        .map(t -> t.replaceAll("(?m)^(  processes: )\\d{3,}$", "$120")).toList();
    if (texts.isEmpty()) {
      texts = List.of("nodes: [n1, n2]\nname: d\nfiles:\n  - path: /f\nprocesses:\n  - name: P1\nsteps:\n"
          + "  - {at: 1s, proc: P1, open: /f}\n");
    }
    return FuzzInputs.mutated(texts);
  }

  /** The limits (file size, line length, ranges) leave every shipped drill as it was. */
  @Test
  void everyShippedDrillParses() throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of("../scenarios/drills"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        assertThat(DrillParser.parse(f)).as(f.toString()).isNotNull();
      }
    }
  }

  @Property(seed = "20261206")
  void mutatedDrillsParseOrAreRefusedInWords(@ForAll("mutatedDrills") String text) {
    long start = System.nanoTime();
    try {
      DrillParser.parse("fuzz.yaml", text);
      Statistics.collect("parsed");
    } catch (ScenarioException e) {
      Statistics.collect("refused");
      FuzzInputs.assertInWords(e.getMessage(), "fuzz.yaml");
    }
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(2000);
  }
}
