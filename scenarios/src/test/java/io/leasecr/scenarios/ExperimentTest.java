package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `emulator experiment`: what restart policies, tree size and load do to the holder and the breaker. */
@UsesConsole
class ExperimentTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  private static final Path BASE = ShippedScenarios.root().resolve("experiments/base/seed-break.yaml").toAbsolutePath();
  private static final Path SILENT = ShippedScenarios.root().resolve("experiments/base/silent-holder.yaml").toAbsolutePath();

  private Path experiment(String name, String text) throws IOException {
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(file, text);
    return file;
  }

  private static String grid(Path base, String grid) {
    return "experiment: t\nscenario: " + base + "\nholder: P1\nbreaker: P2\ngrid:\n" + grid;
  }

  /** Runs the experiment and returns its CSV rows as column -> value maps. */
  private List<Map<String, String>> run(Path file, Path out, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("experiment", file.toString(), "--out", out.toString(), "--no-progress"));
    args.addAll(List.of(extra));
    int code = Main.run(args.toArray(String[]::new));
    assertThat(code).as(output.out() + output.err()).isZero();
    List<String> lines = Files.readAllLines(out.resolve("t/t.csv"));
    String[] header = lines.get(0).split(",", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }

  private static Map<String, String> row(List<Map<String, String>> rows, String policy, String treeSize, String busy) {
    return rows.stream().filter(r -> r.get("policy").equals(policy) && r.get("tree_size").equals(treeSize)
        && r.get("busy_threads").equals(busy)).findFirst().orElseThrow();
  }

  private static double num(Map<String, String> row, String column) {
    return Double.parseDouble(row.get(column));
  }

  @Test
  void policiesTreeSizeAndLoadShapeWhatTheHolderGets() throws IOException {
    Path file = experiment("t", grid(BASE, """
          tree-size: [1, 2000]
          busy-threads: [0, 8]
          checkpoint-at: 40s
          policy: [remaining, favor-holder, favor-breaker, "delta:+5s", criu]
        """));
    List<Map<String, String>> rows = run(file, tmp.resolve("out"), "--no-plots");
    assertThat(rows).hasSize(20);
    // a lone holder under remaining gets the 5 s left, less at most the ms its own restore rounds to
    Map<String, String> lone = row(rows, "remaining", "1", "0");
    assertThat(num(lone, "holder_effective_ms")).isBetween(4_900.0, 5_000.0);
    assertThat(lone.get("holder_flushed")).isEqualTo("1"); // it needed 4 s
    assertThat(num(row(rows, "favor-holder", "1", "0"), "holder_effective_ms")).isBetween(44_900.0, 45_000.0);
    assertThat(num(row(rows, "delta:+5s", "1", "0"), "holder_effective_ms"))
        .isEqualTo(num(lone, "holder_effective_ms") + 5_000);
    Map<String, String> breakerFirst = row(rows, "favor-breaker", "1", "0");
    assertThat(num(breakerFirst, "holder_effective_ms")).isLessThanOrEqualTo(0);
    assertThat(breakerFirst.get("holder_flushed")).isEqualTo("0");
    assertThat(num(breakerFirst, "breaker_wait_ms")).isLessThan(num(lone, "breaker_wait_ms"));
    // CRIU re-breaks with a fresh full break, which signals the holder again
    assertThat(row(rows, "criu", "1", "0").get("holder_signals")).isEqualTo("2");
    assertThat(lone.get("holder_signals")).isEqualTo("1");
    // the holder is the tree's root: the rest of its tree is restored while its time runs
    Map<String, String> big = row(rows, "remaining", "2000", "0");
    Map<String, String> bigLoaded = row(rows, "remaining", "2000", "8");
    assertThat(num(big, "restore_ms")).isGreaterThan(num(lone, "restore_ms"));
    assertThat(num(bigLoaded, "restore_ms")).isGreaterThan(num(big, "restore_ms"));
    assertThat(num(big, "holder_effective_ms")).isLessThan(num(lone, "holder_effective_ms"));
    assertThat(num(bigLoaded, "holder_effective_ms")).isLessThan(num(big, "holder_effective_ms"));
    assertThat(rows).allSatisfy(r -> assertThat(r.get("starved")).isEqualTo("0"));
  }

  @Test
  void repeatedCheckpointsStarveTheBreakerUnderFavorHolderOnly() throws IOException {
    Path file = experiment("t", grid(SILENT, """
          checkpoint-at: 10s
          repeat-every: 20s
          policy: [remaining, favor-holder]
        """) + "max-checkpoints: 6\n");
    List<Map<String, String>> rows = run(file, tmp.resolve("out"), "--no-plots");
    Map<String, String> remaining = row(rows, "remaining", "1", "0");
    Map<String, String> favorHolder = row(rows, "favor-holder", "1", "0");
    assertThat(remaining.get("starved")).isEqualTo("0");
    assertThat(num(remaining, "breaker_wait_ms")).isLessThan(50_000);
    assertThat(favorHolder.get("starved")).isEqualTo("1");
    assertThat(num(favorHolder, "checkpoints")).isEqualTo(6);
    // every restart handed the silent holder 45 s again: the breaker waits until the checkpoints stop
    assertThat(num(favorHolder, "breaker_wait_ms")).isGreaterThan(10_000 + 5 * 20_000 + 45_000 - 1_000);
  }

  @Test
  void aCheckpointDueDuringARestoreWaitsForTheWholeTree() throws IOException {
    // 2000 processes under load take far longer to restore than the 1 ms between checkpoints: a checkpoint
    // taken mid-restore would hold no processes, and restarting from it would lose the breaker
    Path file = experiment("t", grid(SILENT, """
          tree-size: 2000
          busy-threads: 8
          checkpoint-at: 10s
          repeat-every: 1ms
        """) + "max-checkpoints: 3\n");
    Map<String, String> r = run(file, tmp.resolve("out"), "--no-plots").get(0);
    assertThat(num(r, "checkpoints")).isEqualTo(3);
    assertThat(num(r, "restore_ms")).isGreaterThan(1);
    assertThat(r.get("starved")).isEqualTo("0");
    assertThat(num(r, "breaker_wait_ms")).isLessThan(60_000);
  }

  @Test
  void theSameFileAndSeedsGiveTheSameCsvAndPlots() throws IOException {
    Path file = experiment("t", grid(BASE, """
          tree-size: [1, 300]
          busy-threads: [0, 4]
          checkpoint-at: [30s, 40s]
          policy: [remaining, criu]
          seed: [1, 2]
        """));
    run(file, tmp.resolve("a"), "--jobs", "2");
    run(file, tmp.resolve("b"), "--jobs", "1");
    assertThat(Files.readString(tmp.resolve("b/t/t.csv"))).isEqualTo(Files.readString(tmp.resolve("a/t/t.csv")));
    assertThat(Files.readString(tmp.resolve("a/t/t.csv")).lines()).hasSize(1 + 32);
    // every plot, SVG and PNG, byte for byte (with 2 jobs they are drawn on two threads)
    List<String> plots;
    try (var files = Files.list(tmp.resolve("a/t/plots"))) {
      plots = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    try (var files = Files.list(tmp.resolve("b/t/plots"))) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).isEqualTo(plots);
    }
    assertThat(plots).hasSize(2 * 6 * 3).contains("holder-time-vs-tree-size.svg", "breaker-wait-vs-checkpoint-at.png");
    for (String plot : plots) {
      assertThat(Files.readAllBytes(tmp.resolve("b/t/plots").resolve(plot))).as(plot)
          .isEqualTo(Files.readAllBytes(tmp.resolve("a/t/plots").resolve(plot)));
    }
    assertThat(tmp.resolve("a/t/plots/breaker-wait-vs-checkpoint-at.png")).isNotEmptyFile();
    assertThat(output.out()).contains("32 runs in").contains("remaining").contains("criu");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n  colour: red\n'|:7: unknown key 'colour' in grid",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  policy: remaining\n'|:6: the grid needs 'checkpoint-at'",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n  policy: [remaining, sometimes]\n'|:7: restart policy must be",
      "'experiment: t\nscenario: BASE\nholder: P9\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:3: no process 'P9'",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P1\ngrid:\n  checkpoint-at: 40s\n'|:4: holder and breaker must be two processes",
      "'experiment: t\nscenario: NOBREAK\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:4: P2 never opens or truncates",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n  tree-size: [1, 0]\n'|:7: 0 is out of range",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: [40s, soon]\n'|:6: checkpoint-at item 2 must be a time",
      "'experiment: t\nscenario: nowhere.yaml\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:2: base scenario",
      "'experiment: t\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\ncost-model: missing.conf\n'|:7: restart-cost model",
      "'experiment: t\nscenario: CHECKPOINTING\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:2: the base scenario must not checkpoint",
      "'experiment: [t\n'|not valid YAML",
      "'experiment: ../../x\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:1: experiment name '../../x' is used as a file name",
      "'experiment: a/b\nscenario: BASE\nholder: P1\nbreaker: P2\ngrid:\n  checkpoint-at: 40s\n'|:1: experiment name 'a/b'",
  })
  void malformedExperimentsNameTheLineAndExitTwo(String text, String message) throws IOException {
    Path checkpointing = ShippedScenarios.root().resolve("checkpoint/cr-break-40s-remaining.yaml").toAbsolutePath();
    Path noBreak = tmp.resolve("no-break.yaml");
    Files.writeString(noBreak, Files.readString(BASE).replace("open: /data/F1, flags: O_WRONLY", "close: 3")
        .replace("expect: {blocked: true, returns_at: 45s, result: 3}", "expect: {errno: EBADF}")
        .replace("{proc: P1, signal: SIGIO, count: 1}", "{proc: P1, signal: SIGIO, count: 0}"));
    Path file = experiment("bad", text.replace("BASE", BASE.toString()).replace("CHECKPOINTING", checkpointing.toString())
        .replace("NOBREAK", noBreak.toString()));
    int code = Main.run(new String[] {"experiment", file.toString(), "--out", tmp.resolve("out").toString()});
    assertThat(code).isEqualTo(2);
    assertThat(output.err()).contains(file.toString()).contains(message);
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void theBaseScenariosHoldTheirOwnExpectations() {
    assertThat(Main.run(new String[] {"run", "--quiet", BASE.toString(), SILENT.toString()})).as(output.out()).isZero();
  }

  @Test
  void badArgumentsExitTwo() throws IOException {
    assertThat(Main.run(new String[] {"experiment"})).isEqualTo(2);
    Path file = experiment("t", grid(BASE, "  checkpoint-at: 40s\n"));
    assertThat(Main.run(new String[] {"experiment", file.toString(), "--jobs", "0"})).isEqualTo(2);
    assertThat(output.err()).contains("--jobs must be between 1 and 256");
  }

  @Test
  void runTakesTheRestoreCostModelFromTheCommandLine() {
    String scenario = ShippedScenarios.root().resolve("checkpoint/cr-break-40s-remaining.yaml").toString();
    int code = Main.run(new String[] {"run", scenario, "--restore-cost", "default", "--busy", "4"});
    // the restore now takes time: the scenario's exact instants move, which its expectations notice
    assertThat(code).isEqualTo(1);
    assertThat(output.out()).containsPattern("restore of C1 done after [0-9]+ ms \\(2 processes, 4 busy threads\\)");
    assertThat(Main.run(new String[] {"run", scenario, "--restore-cost", "nope.conf"})).isEqualTo(2);
    assertThat(output.err()).contains("restart-cost model nope.conf: no such file");
    assertThat(Main.run(new String[] {"run", scenario, "--busy", "2"})).isEqualTo(2);
  }
}
