package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint journal (pekko-persistence-jdbc on embedded H2): a checkpoint committed in one JVM is
 * restored in another; list, export, import, delete; and a JVM killed with SIGKILL while it writes
 * checkpoints loses nothing that was committed.
 */
class JournalTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  private static final String RESTART = """
      name: restart-from-journal
      files:
        - path: /data/F1
      processes:
        - {name: P1, pid: 101}
        - {name: P2, pid: 102}
      steps:
        - {at: 10s, restart: %s, journal: true}
        - at: 10s
          proc_locks: true
          expect: {locks: ["1: LEASE  BREAKING  UNLCK 101 00:2a:1001 0 EOF", "1: -> LEASE  BREAKER   WRITE 102 <none>:0 0 EOF"]}
      expect:
        - {proc: P1, signal: SIGIO, count: 0}
      """;

  private int run(String... args) {
    output.reset();
    return Main.run(args);
  }

  private static Process jvm(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  @Test
  void committedInOneJvmRestoredInAnother() throws Exception {
    Path data = tmp.resolve("data");
    Files.copy(ShippedScenarios.root().resolve("examples/seed-checkpoint.yaml"), tmp.resolve("seed-checkpoint.yaml"));
    assertThat(run("run", "--data", data.toString(), tmp.resolve("seed-checkpoint.yaml").toString())).isZero();
    assertThat(output.out()).contains("checkpoint C1: 2 processes, 1 leases").contains("tree stopped");

    Path restart = tmp.resolve("restart.yaml");
    Files.writeString(restart, RESTART.formatted("C1"));
    Path log = tmp.resolve("second-jvm.log");
    Process second = jvm(log, "run", "--data", data.toString(), restart.toString());
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = Files.readString(log);
    assertThat(second.exitValue()).as(text).isZero();
    assertThat(text).contains("open(...) restarted after restore (-ERESTARTSYS)")
        .contains("14.000s  P2[102]    <... open resumed> = 3");

    assertThat(run("checkpoint", "list", "--data", data.toString())).isZero();
    assertThat(output.out()).contains("C1").contains("seed-checkpoint").contains("1 committed checkpoint(s)");
    Path image = tmp.resolve("c1.img");
    assertThat(run("image", "export", "C1", "--out", image.toString(), "--data", data.toString())).isZero();
    assertThat(run("image", "edit", image.toString(), "--remaining", "2s")).isZero();
    assertThat(run("image", "import", image.toString(), "--id", "C1-short", "--data", data.toString())).isZero();
    Files.writeString(restart, RESTART.formatted("C1-short"));
    assertThat(run("run", "--data", data.toString(), restart.toString())).isZero();
    assertThat(output.out()).contains("12.000s  P2[102]    <... open resumed> = 3");
    assertThat(run("checkpoint", "delete", "C1-short", "--data", data.toString())).isZero();
    assertThat(run("checkpoint", "delete", "C1-short", "--data", data.toString())).isEqualTo(2);
    assertThat(output.err()).contains("no checkpoint C1-short");
    assertThat(run("run", "--data", data.toString(), restart.toString())).isEqualTo(2);
    assertThat(output.err()).contains("no checkpoint C1-short in the journal");
  }

  @Test
  void aJvmKilledWhileWritingCheckpointsLosesNothingCommitted() throws Exception {
    Path data = tmp.resolve("data");
    StringBuilder s = new StringBuilder("""
        name: many-checkpoints
        files:
          - path: /data/F1
        processes:
        """);
    for (int i = 0; i < 2000; i++) {
      s.append("  - {name: Q").append(i).append(", pid: ").append(1000 + i).append("}\n");
    }
    s.append("steps:\n");
    for (int i = 1; i <= 4000; i++) {
      s.append("  - {at: ").append(i).append("s, checkpoint: C").append(i).append(", leave_running: true}\n");
    }
    Path scenario = tmp.resolve("many.yaml");
    Files.writeString(scenario, s);
    Path log = tmp.resolve("killed-jvm.log");
    Process victim = jvm(log, "run", "--quiet", "--data", data.toString(), scenario.toString());
    // wait until a few checkpoints (about 100 KB each) are in the journal; the run would take far longer
    Path db = data.resolve("journal.mv.db");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while ((!Files.exists(db) || Files.size(db) < 2_000_000) && System.nanoTime() < deadline && victim.isAlive()) {
      Thread.sleep(50);
    }
    assertThat(victim.isAlive()).as(Files.readString(log)).isTrue();
    new ProcessBuilder("kill", "-9", String.valueOf(victim.pid())).start().waitFor();
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(victim.exitValue()).isEqualTo(137);

    assertThat(run("checkpoint", "list", "--data", data.toString())).as(output.err()).isZero();
    String listing = output.out();
    assertThat(listing).contains("C1 ").contains("many-checkpoints");
    int committed = Integer.parseInt(listing.replaceAll("(?s).*\\n(\\d+) committed checkpoint\\(s\\).*", "$1"));
    assertThat(committed).isBetween(1, 3999);
    // every committed checkpoint is whole: it exports to an image that parses and shows the whole tree
    for (String id : List.of("C1", "C" + committed)) {
      Path image = tmp.resolve(id + ".img");
      assertThat(run("image", "export", id, "--out", image.toString(), "--data", data.toString()))
          .as(output.err()).isZero();
      assertThat(run("image", "show", image.toString())).isZero();
      assertThat(output.out()).contains("Q1999[2999]");
    }
  }
}
