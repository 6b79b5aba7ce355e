package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14's findings in scenario files, each now a FILE:LINE error (and none slow). */
class InputBoundsTest {

  private static final String SEED = """
      name: seed
      files:
        - path: /data/F1
      processes:
        - name: P1
          pid: 101
        - name: P2
          pid: 102
      steps:
        - {at: 0s, proc: P1, open: /data/F1, flags: O_RDONLY, expect: 3}
        - {at: 1s, checkpoint: C1}
      """;

  private static String refusal(String text) {
    try {
      ScenarioParser.parse("s.yaml", text);
    } catch (ScenarioException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted");
  }

  @Test
  void theSeedParses() {
    assertThat(ScenarioParser.parse("s.yaml", SEED + "end: 2m\n").endMs()).isEqualTo(120_000);
  }

  @Test
  void timesOutOfRangeAreRefusedNotHung() {
    assertThat(refusal(SEED + "end: 1e300s\n")).isEqualTo(
        "s.yaml:12: end is out of range: '1e300s' (allowed: 0s to 1000000000s)");
    assertThat(refusal(SEED + "end: -1s\n")).startsWith("s.yaml:12: end is out of range: '-1s'");
    assertThat(refusal(SEED.replace("at: 1s", "at: 9300000000s"))).startsWith("s.yaml:11: at is out of range: '9300000000s'");
  }

  @Test
  void sysctlsAreInts() {
    assertThat(refusal(SEED.replace("files:", "sysctl: {fs.lease-break-time: 9223372036854775807}\nfiles:")))
        .isEqualTo("s.yaml:2: fs.lease-break-time is out of range: 9223372036854775807 (allowed: -2147483648 to 2147483647)");
    assertThat(refusal(SEED.replace("files:", "sysctl: {fs.lease-break-time: 9223372036854}\nfiles:")))
        .contains("out of range: 9223372036854");
    assertThat(refusal(SEED + "  - {at: 2s, sysctl: fs.lease-break-time, value: 99999999999999999999}\n"))
        .startsWith("s.yaml:12: value is out of range");
    // INT_MAX seconds (68 years) is a valid sysctl, as in Linux
    assertThat(ScenarioParser.parse("s.yaml", SEED.replace("files:", "sysctl: {fs.lease-break-time: 2147483647}\nfiles:"))
        .sysctl("fs.lease-break-time")).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void namesAndIdsAreNotEmptyAndOnOneLine() {
    assertThat(refusal(SEED.replace("name: seed", "name: ''"))).isEqualTo("s.yaml:1: name must not be empty");
    assertThat(refusal(SEED.replace("name: P2", "name: \"\""))).isEqualTo("s.yaml:7: name must not be empty");
    assertThat(refusal(SEED.replace("checkpoint: C1", "checkpoint: \"C\\n1\""))).startsWith(
        "s.yaml:11: checkpoint must not contain control characters such as a newline ('C\\n1')");
    assertThat(refusal(SEED.replace("pid: 102", "pid: 4194305"))).contains("pid is out of range: 4194305");
  }

  @Test
  void echoedTextIsShortAndKeysOfAnotherFileAreNotShown() {
    String shadow = "root:$6$SECRETHASHabcdefghijklmnop:19000:0:99999:7:::\n";
    assertThat(refusal(shadow)).doesNotContain("SECRET").doesNotContain("root")
        .startsWith("s.yaml:1: unknown key (a text of");
    String longValue = "x".repeat(5000);
    assertThat(refusal(SEED.replace("at: 1s", "at: " + longValue))).hasSizeLessThan(200).contains("(5000 characters)");
  }

  @Test
  void aFileThatIsNotUtf8IsNamedWithTheLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.write(f, ("name: x\nfiles:\n  - path: /d\u00ff\n").getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> ScenarioParser.parse(f))
        .hasMessage(f + ":3: the file is not UTF-8 text (byte 0xff at offset 27)");
  }

  @Test
  void longLinesAndLargeFilesAreRefusedAtOnce(@TempDir Path dir) throws Exception {
    Path line = dir.resolve("line.yaml");
    Files.writeString(line, "description: " + "x".repeat(1 << 20) + "\n" + SEED);
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "description: " + "x ".repeat(5 << 20) + "\n" + SEED);
    long start = System.nanoTime();
    assertThatThrownBy(() -> ScenarioParser.parse(line)).hasMessage(line + ":1: the line has 1048589 characters; at most 16384 are allowed (fold a"
        + " long text over several lines with '>')");
    assertThatThrownBy(() -> ScenarioParser.parse(big)).hasMessageContaining("at most 4194304 (4 MiB) are read");
    // before: 3.5 s for the 1 MB line, no answer for 10 MB in 30 s
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(2000);
  }

  @Test
  void parseTimeGrowsLinearlyWithTheFile() {
    String small = folded(512 << 10);
    String large = folded(2 << 20);
    ScenarioParser.parse("s.yaml", small); // warm up
    long t1 = time(small);
    long t4 = time(large);
    // four times the text: about four times the time (quadratic would be 16 times); generous for shared CPUs
    assertThat(t4).as("ms for 2 MB vs " + t1 + " ms for 0.5 MB").isLessThan(8 * t1 + 1000);
  }

  private static String folded(int size) {
    StringBuilder b = new StringBuilder("description: >\n");
    while (b.length() < size) {
      b.append("  ").append("y".repeat(16_000)).append('\n');
    }
    return b + SEED;
  }

  private static long time(String text) {
    long start = System.nanoTime();
    assertThat(ScenarioParser.parse("s.yaml", text).description()).hasSizeGreaterThan(text.length() / 2);
    return (System.nanoTime() - start) / 1_000_000;
  }
}
