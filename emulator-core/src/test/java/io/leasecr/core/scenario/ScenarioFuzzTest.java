package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.input.Durations;
import io.leasecr.core.input.FuzzInputs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The scenario parser on mutated shipped scenarios and on raw bytes: every input parses, or is refused
 * with a FILE:LINE message in words, within a bound; never another exception, never a hang.
 */
class ScenarioFuzzTest {

  private static final List<String> SHIPPED = shipped();

  private static List<String> shipped() {
    List<String> texts = new ArrayList<>(FuzzInputs.yamlFiles(Path.of("../scenarios/examples")));
    texts.addAll(FuzzInputs.yamlFiles(Path.of("../scenarios/checkpoint")));
    texts.addAll(FuzzInputs.yamlFiles(Path.of("../scenarios/leases")));
    if (texts.isEmpty()) { // run outside the tree: one scenario with each part
      texts.add("""
          name: s
          sysctl: {fs.lease-break-time: 45}
          files:
            - path: /data/F1
          processes:
            - name: P1
              pid: 101
              signals: {SIGIO: handler}
              on_signal:
                - {signal: SIGIO, do: release, after: 44s}
            - name: P2
          steps:
            - {at: 0s, proc: P1, open: /data/F1, flags: O_RDONLY, expect: 3}
            - {at: 0s, proc: P1, fcntl: F_SETLEASE, fd: 3, arg: F_WRLCK, expect: 0}
            - {at: 1s, proc: P2, open: /data/F1, flags: O_WRONLY, expect: {blocked: true}}
            - {at: 41s, checkpoint: C1}
            - {at: 42s, restart: C1, policy: "delta:+5s"}
          expect:
            - {proc: P1, signal: SIGIO, at: 1s, count: 1}
          end: 60s
          """);
    }
    return texts;
  }

  @Provide
  Arbitrary<String> mutatedScenarios() {
    return FuzzInputs.mutated(SHIPPED);
  }

  @Property(seed = "20261206")
  void mutatedScenariosParseOrAreRefusedInWords(@ForAll("mutatedScenarios") String text) {
    parsesOrIsRefused(text);
  }

  @Property(seed = "20261206")
  void rawBytesAreDecodedOrRefusedInWords(@ForAll("bytes") byte[] bytes) {
    String text;
    try {
      text = YamlNode.decode("fuzz.yaml", bytes);
    } catch (ScenarioException e) {
      assertThat(e.getMessage())
          .matches("fuzz\\.yaml:\\d+: the file is not UTF-8 text \\(byte 0x[0-9a-f]{2} at offset \\d+\\)");
      return;
    }
    parsesOrIsRefused(text);
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
        mutatedScenarios().map(s -> s.getBytes(StandardCharsets.UTF_8)).flatMap(b ->
            Arbitraries.integers().between(0, Math.max(0, b.length - 1)).map(i -> {
              byte[] c = b.clone();
              if (c.length > 0) {
                c[i] = (byte) (c[i] ^ 0x80);
              }
              return c;
            })));
  }

  static void parsesOrIsRefused(String text) {
    long start = System.nanoTime();
    try {
      Scenario s = ScenarioParser.parse("fuzz.yaml", text);
      Statistics.collect("parsed");
      assertThat(s.endMs()).isBetween(0L, Durations.MAX_MS);
      assertThat(s.name()).isNotEmpty().doesNotContain("\n");
      for (Step step : s.steps()) {
        assertThat(step.atMs()).isBetween(0L, Durations.MAX_MS);
      }
    } catch (ScenarioException e) {
      FuzzInputs.assertInWords(e.getMessage(), "fuzz.yaml");
      Statistics.collect("refused");
    }
    assertThat((System.nanoTime() - start) / 1_000_000).as("parse time in ms").isLessThan(2000);
  }
}
