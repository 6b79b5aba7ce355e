package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The `emulator run` command: exit codes, messages, trace files; and traces equal across JVMs. */
class CommandLineTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  private static String resource(String name) {
    return Path.of("src/test/resources").resolve(name).toString();
  }

  @Test
  void seedScenarioPrintsTheTimelineAndWritesTheTrace() throws Exception {
    Path trace = tmp.resolve("seed.jsonl");
    int code = Main.run(new String[] {"run", ShippedScenarios.root().resolve("leases/seed-basic.yaml").toString(),
        "--trace", trace.toString()});
    String text = output.out();
    assertThat(code).as(text + output.err()).isZero();
    assertThat(text).contains("open(\"/data/F1\", O_WRONLY) ...", "... open blocked", "--- SIGIO",
        "<... open resumed> = 3   (blocked 2.000s)", "PASS seed-basic");
    List<String> lines = Files.readAllLines(trace);
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("{\"t\":1000,\"kind\":\"block\",\"pid\":102"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"kind\":\"return\"").contains("\"step\":3")
        .contains("\"result\":3").startsWith("{\"t\":3000"));
  }

  @Test
  void aFailedExpectationExitsOneAndNamesTheStep() {
    int code = Main.run(new String[] {"run", "--quiet", resource("wrong-expectation.yaml")});
    assertThat(code).isEqualTo(1);
    assertThat(output.out())
        .contains("FAIL wrong-expectation")
        .contains("step 3 (" + resource("wrong-expectation.yaml") + ":20, P2 open)")
        .contains("expected to return at 2.000s, returned at 3.000s");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "malformed/unknown-key.yaml|:10: unknown key 'flgs' in step",
      "malformed/not-yaml.yaml|not valid YAML",
      "malformed/unknown-process.yaml|:8: no process named 'P2'",
      "malformed/bad-time.yaml|:7: at must be a time",
      "malformed/steps-out-of-order.yaml|:10: step 2 is at 1000 ms, before the step above it",
      "malformed/two-actions.yaml|:7: step 1 must have exactly one action",
      "malformed/bad-signal.yaml|:6: unknown signal 'SIGFOO'",
      "malformed/misplaced-key.yaml|:10: 'signal' does not go with open",
      "malformed/dotdot-path.yaml|:3: file path must be absolute and normalised"})
  void malformedFilesExitTwoNamingFileLineAndProblem(String file, String message) {
    int code = Main.run(new String[] {"run", resource(file)});
    assertThat(code).isEqualTo(2);
    assertThat(output.err()).contains(resource(file)).contains(message);
    assertThat(output.out()).doesNotContain("PASS").doesNotContain("FAIL");
  }

  @Test
  void badArgumentsExitTwo() {
    assertThat(Main.run(new String[] {"frobnicate"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"run"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"run", "--scale", "x", "a.yaml"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"run", "missing-file.yaml"})).isEqualTo(2);
    assertThat(output.err()).contains("unknown command 'frobnicate'")
        .contains("--scale needs a number").contains("missing-file.yaml: cannot read the file");
  }

  @Test
  void badCheckpointBenchmarkArgumentsExitTwoBeforeMeasuring() {
    assertThat(Main.run(new String[] {"bench", "cr", "--sizes", "1000,lots"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"bench", "cr", "--sizes", "0"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"bench", "cr", "--journal", "mysql"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"bench", "cr", "--repeats", "0"})).isEqualTo(2);
    assertThat(output.err()).contains("--sizes needs numbers separated by commas, got 'lots'")
        .contains("a tree needs at least 1 process, got 0")
        .contains("--journal must be h2, postgres or both, got 'mysql'")
        .contains("--warmup must be >= 0 and --repeats >= 1");
    assertThat(output.out()).doesNotContain("processes: image");
  }

  @Test
  void twoJvmsWriteByteIdenticalTraces() throws Exception {
    Path a = tmp.resolve("a.jsonl");
    Path b = tmp.resolve("b.jsonl");
    for (Path trace : List.of(a, b)) {
      Process p = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--quiet",
          "--trace", trace.toString(), ShippedScenarios.root().resolve("leases/seed-basic.yaml").toString())
          .redirectErrorStream(true).redirectOutput(new File(tmp.toFile(), "jvm.out")).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(tmp.resolve("jvm.out"))).isZero();
    }
    assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a)).isNotEmpty();
  }

  @Test
  void realTimeModeFollowsTheScaledWallClock() {
    long start = System.nanoTime();
    int code = Main.run(new String[] {"run", "--time", "real", "--scale", "10",
        ShippedScenarios.root().resolve("leases/seed-basic.yaml").toString()});
    long wallMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(code).as(output.out()).isZero();
    // 3 s emulated at 10x is 300 ms of wall time: more than virtual time needs, far less than 3 s
    assertThat(wallMs).isBetween(300L, 2900L);
    assertThat(output.out()).contains("PASS seed-basic");
  }
}
