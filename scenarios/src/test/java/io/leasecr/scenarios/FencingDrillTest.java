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

  @Test
  void aPausedHoldersReleaseAfterItsDowningIsFencedAndTheInvariantsHold() throws Exception {
    TestPostgres.Db pg = TestPostgres.require();
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "drill",
        ShippedScenarios.root().resolve("drills/paused-holder-fenced.yaml").toString(),
        "--out", tmp.resolve("out").toString(), "--base-port", "32200"))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("drill.log").toFile());
    pb.environment().remove("LEASE_CR_PG_DIR");
    pg.exportTo(pb.environment());
    Process p = pb.start();
    boolean finished = p.waitFor(200, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly();
    }
    String text = Files.readString(tmp.resolve("drill.log"));
    assertThat(finished).as(text).isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(text).contains("pause n2: SIGSTOP")
        .containsPattern("n2 downed by the split-brain resolver \\d+ ms after SIGSTOP")
        .contains("resume n2: SIGCONT")
        .contains("of [P1] on n3")
        .contains("PASS drill-paused-holder-fenced");
    String n1 = Files.readString(tmp.resolve("out/timeline-n1.txt"));
    // the zombie's release reached the table and was refused there, never applied
    assertThat(n1).containsPattern("fenced: F_UNLCK from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s before\\)")
        .doesNotContain("released by F_UNLCK");
    // the lease went when the cluster dropped n2's processes, after the refusal
    assertThat(n1.indexOf("pid 101 is gone")).isGreaterThan(n1.indexOf("fenced: F_UNLCK"));
    assertThat(Files.readString(tmp.resolve("out/timeline-n2.txt"))).contains("fcntl(3, F_SETLEASE, F_UNLCK) ...");
  }
}
