package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped drills (scenarios/drills/), each as `emulator drill` in its own JVM, which starts three
 * node JVMs on loopback: the breaker's node killed in the middle of a lease break and the breaker
 * restarted on another node; the holder's node killed and only the holder restarted. They commit to the
 * PostgreSQL journal that {@code eval "$(bash .ci/postgres.sh)"} starts; without it they are skipped,
 * except under CI.
 */
class ClusterDrillTest {

  @TempDir Path tmp;

  private static void needPostgres() {
    if (System.getenv("LEASE_CR_PG_URL") == null) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI starts PostgreSQL (.ci/postgres.sh), yet LEASE_CR_PG_URL is not set");
      }
      Assumptions.abort("PostgreSQL is not configured (the drills' nodes share its journal): "
          + "run eval \"$(bash .ci/postgres.sh)\" first");
    }
  }

  private String drill(String file, int basePort) throws Exception {
    needPostgres();
    Path out = tmp.resolve("out");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "drill",
        ShippedScenarios.root().resolve("drills/" + file).toString(), "--out", out.toString(),
        "--base-port", String.valueOf(basePort)));
    Path log = tmp.resolve("drill.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = p.waitFor(90, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly();
    }
    String text = Files.readString(log);
    assertThat(finished).as(text).isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(out.resolve("timeline-n1.txt")).exists();
    return text;
  }

  @Test
  void aMalformedDrillIsReportedWithItsLineBeforeAnythingStarts() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/breaker-crash.yaml"));
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, good.replace("{at: 3s, crash: n2}", "{at: 3s, crash: n9}"));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(err, true));
    try {
      assertThat(Main.run(new String[] {"drill", bad.toString()})).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    int line = List.of(good.split("\n")).indexOf("  - {at: 3s, crash: n2}") + 1;
    assertThat(err.toString()).contains(bad + ":" + line + ": no node 'n9' (nodes: n1, n2, n3)");
    Files.writeString(bad, good.replace("  P2: n2\n", "  P9: n2\n"));
    System.setErr(new java.io.PrintStream(err, true));
    try {
      assertThat(Main.run(new String[] {"drill", bad.toString()})).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    assertThat(err.toString()).contains("placement names 'P9', which is neither a process nor a file of the drill");
    Files.writeString(bad, good.replace("{at: 16s, proc_locks: true}", "{at: 16s, proc_locks: true, expect: {locks: []}}"));
    System.setErr(new java.io.PrintStream(err, true));
    try {
      assertThat(Main.run(new String[] {"drill", bad.toString()})).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    assertThat(err.toString()).contains("expectations are not checked in drills");
  }

  @Test
  void breakerNodeKilledMidBreakAndBreakerRestartedElsewhere() throws Exception {
    String text = drill("breaker-crash.yaml", 25810);
    assertThat(text).contains("crash n2: kill -9")
        .containsPattern("n2 downed by the split-brain resolver \\d+ ms after kill -9")
        .contains("checkpoint C1 committed")
        .contains("restart from C1").contains("of [P2] on n3")
        .contains("open(...) restarted after restore (-ERESTARTSYS)")
        .contains("1: -> LEASE  BREAKER   WRITE 102") // the restored breaker waits in the same break
        .contains("PASS drill-breaker-crash");
  }

  @Test
  void breakerNodePartitionedAwayDownsItselfAndTheBreakerIsRestartedElsewhere() throws Exception {
    String text = drill("breaker-partition.yaml", 25890);
    assertThat(text).contains("partition n2 from every other node for 20000 ms")
        .containsPattern("n2 downed by the split-brain resolver \\d+ ms after the partition")
        .contains("of [P2] on n3").contains("PASS drill-breaker-partition");
    assertThat(Files.readString(tmp.resolve("out/n2.log"))).contains("partitioned from")
        .containsPattern("member downed: pekko://lease-cr@127.0.0.1:25892");
  }

  @Test
  void onlyTheHolderComesBack() throws Exception {
    String text = drill("holder-only-restart.yaml", 25850);
    assertThat(text).contains("crash n1: kill -9").contains("of [P1] on n2")
        .contains("LEASE  ACTIVE    WRITE 101")
        .contains("PASS drill-holder-only-restart");
  }
}
