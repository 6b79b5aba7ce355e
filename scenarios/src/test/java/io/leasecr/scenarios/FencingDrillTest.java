package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing end to end (scenarios/drills/paused-holder-held.yaml, in its own JVM with three node JVMs on ports
 * 32201-32203): the holder's node n2 is paused for 6 s, so its release of the lease reaches the lease table on
 * n1 while n1 sees n2 unreachable, about when the split-brain resolver decides: the table holds it, then
 * refuses it if the cluster downed n2 (the gossip-lag case: the downing reaches n1 after the release did) or
 * applies it if the cluster kept n2. Every run is checked against the guarantee (docs/drill-format.md,
 * Fencing): nothing n2 sent is applied once the cluster decided to down it, and what it sent while
 * unreachable is applied only if the cluster kept it. On the PostgreSQL of {@link TestPostgres} (skipped
 * without one, except under CI).
 */
class FencingDrillTest {

  @TempDir Path tmp;

  /**
   * A third outcome, Pekko's and not the emulator's: n2 resumes with its failure detector's stale view (every
   * other node silent for 6 s: unreachable), and if that view reaches the leader before the resolver decides, n2
   * and another node observe each other unreachable: the resolver downs both as indirectly connected ("SBR took
   * decision DownIndirectlyConnected"), and the other node's JVM exits (code 255) with what it holds (n1: the
   * lease table; n3: P2), so P2's open cannot return. n1's JVM exited so in two fresh-clone CI-like runs under the
   * suite's load (sessions 25 and 27; 26 runs beside two busy loops passed), n3's in 1 of 4 runs with 200 ms ticks
   * beside two busy loops (session 28), n1's again in session 29's drill suite. Only when the leader's log (the
   * driver's, lowest port: the resolver decides on the leader) or a node's names that decision: the
   * guarantee is checked on that run too (nothing n2 sent was applied), and the drill runs once more for the two
   * outcomes this test is about.
   */
  private static final String INDIRECTLY_CONNECTED = "SBR took decision DownIndirectlyConnected";

  @Test
  void aPausedHoldersReleaseIsHeldWhileItsNodeIsUnreachableAndRefusedOnceTheClusterDownsIt() throws Exception {
    TestPostgres.Db pg = TestPostgres.require();
    Path out = tmp.resolve("out");
    Process p = drill(pg, out, tmp.resolve("drill.log"));
    String text = Files.readString(tmp.resolve("drill.log"));
    if (p.exitValue() != 0 && downedAsIndirectlyConnected(out)) {
      String n1 = Files.readString(out.resolve("timeline-n1.txt"));
      assertThat(n1).as(text).doesNotContain("released by F_UNLCK").doesNotContain("applied after a hold of ");
      System.out.println("FencingDrillTest: the resolver downed n1 with n2 as indirectly connected (n2's stale view "
          + "after its pause reached the leader first); nothing n2 sent was applied; the drill runs once more");
      out = tmp.resolve("out-2");
      String first = text;
      p = drill(pg, out, tmp.resolve("drill-2.log")); // the first run's console stays in drill.log
      text = Files.readString(tmp.resolve("drill-2.log"));
      System.out.println("FencingDrillTest: the first run printed:\n" + first);
    }
    String n1 = Files.readString(out.resolve("timeline-n1.txt"));
    String all = text + "\n== n1's timeline\n" + n1;
    // the invariants hold whatever the cluster decided: no two conflicting leases, P2's open returns in time
    assertThat(p.exitValue()).as(all).isZero();
    assertThat(text).as(all).contains("pause n2: SIGSTOP").contains("resume n2: SIGCONT")
        .contains("step 3 returned: pid 102 open = 3").contains("PASS drill-paused-holder-held");
    // the release reached n1's table while n2 was unreachable there: held (or refused at once if n1 had already
    // seen the downing), never applied on arrival
    int held = n1.indexOf("held: F_UNLCK from pid 101 on n2 (n2 is unreachable from n1");
    int fenced = n1.indexOf("fenced: F_UNLCK from pid 101 on n2 (incarnation 1, downed ");
    int applied = n1.indexOf("applied after a hold of ");
    int released = n1.indexOf("released by F_UNLCK");
    assertThat(held >= 0 || fenced >= 0).as("the release reached n1 and was not applied on arrival: " + all).isTrue();
    if (text.contains("n2 downed by the split-brain resolver")) {
      // the cluster decided n2 was dead: its release is refused, never applied; the lease goes with n2's processes
      assertThat(fenced).as(all).isGreaterThanOrEqualTo(0);
      assertThat(applied).as(all).isNegative();
      assertThat(released).as("nothing n2 sent is applied after its downing: " + all).isNegative();
      if (held >= 0) {
        assertThat(n1).containsPattern("fenced: F_UNLCK from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s before, "
            + "held \\d+\\.\\d s while unreachable\\)");
        assertThat(fenced).isGreaterThan(held);
      }
      assertThat(n1.indexOf("pid 101 is gone")).as(all).isGreaterThan(fenced);
    } else {
      // the pause ended before the resolver decided: the cluster kept n2, and its release is applied once every
      // member has seen n2 reachable again, in order, before anything newer from n2
      assertThat(text).as(all).contains("n2 was not downed: the pause ended before the split-brain resolver decided");
      assertThat(fenced).as(all).isNegative();
      assertThat(n1).as(all).containsPattern("applied after a hold of \\d+\\.\\d s: F_UNLCK from pid 101 on n2 "
          + "\\(n2 is reachable again and every member has seen it so\\)");
      assertThat(released).as(all).isGreaterThan(applied);
    }
  }

  /** Runs the drill into {@code out} (its console in {@code console}), within 200 s. */
  private static Process drill(TestPostgres.Db pg, Path out, Path console) throws Exception {
    Process p = DrillProcess.start("paused-holder-held.yaml", 32200, out, console, pg::exportTo);
    boolean finished = p.waitFor(200, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly();
    }
    assertThat(finished).as(Files.readString(console)).isTrue();
    return p;
  }


  /**
   * Whether the driver's or a node's log says that the resolver downed nodes as indirectly connected (see above).
   * The driver is the leader, so its log has the decision (session 28's case and, most likely, session 29's,
   * whose run was not rerun when only the nodes' logs were read).
   */
  private static boolean downedAsIndirectlyConnected(Path out) throws java.io.IOException {
    for (String node : List.of("driver", "n1", "n2", "n3")) {
      Path log = out.resolve(node + ".log");
      if (Files.exists(log) && Files.readString(log).contains(INDIRECTLY_CONNECTED)) {
        return true;
      }
    }
    return false;
  }
}
