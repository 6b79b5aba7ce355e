package io.leasecr.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CounterexamplePagesTest {

  @TempDir Path dir;

  @Test
  void aCounterexampleGetsItsPageBesideItAsRunHtmlDrawsIt() throws Exception {
    Path yaml = dir.resolve("seed-cex.yaml");
    Files.copy(Path.of("..", "scenarios", "leases", "seed-basic.yaml"), yaml);
    Path page = CounterexamplePages.writeBeside(yaml);
    assertThat(page).isEqualTo(dir.resolve("seed-cex.html"));
    String html = Files.readString(page);
    assertThat(html).contains("data-lane=\"P1[101]\"", "data-lane=\"P2[102]\"", "class=\"mark mark-signal\"");
    // the page of the same scenario, as `emulator run FILE --html` writes it
    assertThat(html).isEqualTo(HtmlTimeline.page(io.leasecr.core.scenario.Emulation.run(
        io.leasecr.core.scenario.ScenarioParser.parse(yaml)).events(), "seed-basic"));
  }

  @Test
  void aCounterexampleThatCannotBeDrawnIsKeptWithoutAPage() throws Exception {
    Path yaml = dir.resolve("broken.yaml");
    Files.writeString(yaml, "name: broken\nsteps: [\n");
    assertThat(CounterexamplePages.writeBeside(yaml)).isNull();
    assertThat(yaml).hasContent("name: broken\nsteps: [\n");
    assertThat(dir.resolve("broken.html")).doesNotExist();
  }
}
