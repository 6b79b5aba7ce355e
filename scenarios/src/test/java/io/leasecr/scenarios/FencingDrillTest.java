package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing end to end (scenarios/drills/paused-holder-fenced.yaml, in its own JVM with three node JVMs on
 * ports 32201-32203): the holder's node is paused past its downing; when it resumes, its release of the
 * lease reaches the lease table on n1 and is refused there, traced; the lease goes only when the cluster
 * drops the node's processes, and the drill's invariants hold. On the PostgreSQL of {@link TestPostgres}
 * (skipped without one, except under CI).
 */
class FencingDrillTest {

  @TempDir Path tmp;

  /** Runs the drill; returns its output, n1's and n2's timelines. */
  private String[] run(int attempt) throws Exception {
    Path out = tmp.resolve("out-" + attempt);
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "drill",
        ShippedScenarios.root().resolve("drills/paused-holder-fenced.yaml").toString(),
        "--out", out.toString(), "--base-port", String.valueOf(32200 + 10 * attempt)))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("drill-" + attempt + ".log").toFile());
    pb.environment().remove("LEASE_CR_PG_DIR");
    TestPostgres.require().exportTo(pb.environment());
    Process p = pb.start();
    boolean finished = p.waitFor(200, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly();
    }
    String text = Files.readString(tmp.resolve("drill-" + attempt + ".log"));
    assertThat(finished).as(text).isTrue();
    assertThat(text).contains("pause n2: SIGSTOP").contains("resume n2: SIGCONT");
    return new String[] {text, Files.readString(out.resolve("timeline-n1.txt")),
        Files.readString(out.resolve("timeline-n2.txt")), String.valueOf(p.exitValue())};
  }

  private static long ms(String text, String regex) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @Test
  void aPausedHoldersReleaseAfterItsDowningIsFencedAndTheInvariantsHold() throws Exception {
    TestPostgres.require();
    // the release must land between the downing (about 7.4 s into the 8 s pause) and the removal (about
    // 1 s later; then Artery drops it): a loaded machine can move either past the SIGCONT; one more run then
    String missed = "";
    for (int attempt = 0; attempt < 2; attempt++) {
      String[] run = run(attempt);
      String text = run[0];
      String n1 = run[1];
      long downed = ms(text, "n2 downed by the split-brain resolver (\\d+) ms after SIGSTOP");
      long removed = ms(text, "n2 removed from the cluster (\\d+) ms after SIGSTOP");
      long resumed = ms(text, "SIGCONT of its JVM after (\\d+) ms stopped");
      boolean inWindow = downed >= 0 && downed < resumed && (removed < 0 || removed > resumed + 200);
      // n1 refuses from the moment it has itself seen the downing; the leader's decision reaches it by gossip,
      // up to about a second after the driver saw it. A release landing in that lag is applied: a known gap
      // (docs/drill-format.md, Fencing), counted here as a missed window, not as the fence working
      boolean gossipLag = inWindow && n1.contains("released by F_UNLCK") && !n1.contains("fenced: F_UNLCK")
          && resumed - downed < 1500;
      if (gossipLag) {
        missed += String.format("run %d: released %d ms after the driver saw the downing, before n1 had; ",
            attempt + 1, resumed - downed);
        continue;
      }
      if (!n1.contains("fenced: F_UNLCK") && !inWindow) {
        missed += String.format("run %d: downed %d ms, removed %d ms, resumed %d ms after SIGSTOP; ", attempt + 1,
            downed, removed, resumed);
        if (downed >= 0 && downed < resumed) {
          assertThat(n1).as("downed before it resumed: its release must not be applied").doesNotContain(
              "released by F_UNLCK");
        }
        continue;
      }
      // the invariants hold: never two conflicting leases, the breaker returns in time, C1 intact
      assertThat(run[3]).as(text).isEqualTo("0");
      assertThat(text).contains("of [P1] on n3").contains("PASS drill-paused-holder-fenced");
      // the zombie's release reached the table and was refused there, never applied
      assertThat(n1).as(text).containsPattern(
          "fenced: F_UNLCK from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s before\\)")
          .doesNotContain("released by F_UNLCK");
      // the lease went when the cluster dropped n2's processes, after the refusal
      assertThat(n1.indexOf("pid 101 is gone")).isGreaterThan(n1.indexOf("fenced: F_UNLCK"));
      assertThat(run[2]).contains("fcntl(3, F_SETLEASE, F_UNLCK) ...");
      return;
    }
    org.junit.jupiter.api.Assumptions.abort("twice no release reached n1's table between n1 seeing the downing and the"
        + " removal (load moved them past the SIGCONT, or the release beat the downing's gossip to n1): " + missed);
  }
}
