package io.leasecr.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint benchmark's picture: a write and a read panel per journal, each with its four lines. */
class CheckpointPlotTest {

  @TempDir Path tmp;

  private static CheckpointBench.Result result(int n, double journalWrite) {
    return new CheckpointBench.Result(n, 90L * n, 1, 0.05, 0.2, journalWrite, 0.002, 0.001, 0.001,
        new CheckpointBench.Floor(0.0002, 0.002, 0.001, 0.00001));
  }

  @Test
  void writesOnePanelPerJournalAndDirectionWithFourLinesEach() throws Exception {
    Map<String, List<CheckpointBench.Result>> byJournal = new LinkedHashMap<>();
    byJournal.put("H2", List.of(result(1000, 0.004), result(10000, 0.002)));
    byJournal.put("Postgres", List.of(result(1000, 0.002), result(10000, 0.0015), result(100000, 0.0012)));

    List<Path> files = CheckpointPlot.write(byJournal, tmp.resolve("plots"));

    assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("cr-throughput.svg", "cr-throughput.png");
    String svg = Files.readString(files.get(0));
    assertThat(svg).contains("H2: checkpoint (write)", "H2: restart (read)", "Postgres: checkpoint (write)",
        "Postgres: restart (read)", "journal only", "raw + the journal", "end to end", "target: 50%");
    Matcher lines = Pattern.compile("<polyline").matcher(svg);
    int count = 0;
    while (lines.find()) {
      count++;
    }
    assertThat(count).as("4 panels x 4 lines").isGreaterThanOrEqualTo(16);
    BufferedImage png = ImageIO.read(files.get(1).toFile());
    assertThat(png.getWidth()).isGreaterThan(400);
  }
}
