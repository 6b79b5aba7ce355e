package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.node.cli.Main;
import io.leasecr.proto.image.CheckpointImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** image edit --notified, run --mode, and image show / restart refusing the same invalid image (issue 16). */
@UsesConsole
class ImageNotifiedTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  @BeforeEach
  void copyTheExample() throws Exception {
    for (String f : new String[] {"seed-checkpoint.yaml", "seed-restart.yaml"}) {
      Files.copy(ShippedScenarios.root().resolve("examples").resolve(f), tmp.resolve(f));
    }
    assertThat(run("run", "--journal", "none", tmp.resolve("seed-checkpoint.yaml").toString())).isZero();
  }

  private int run(String... args) {
    output.reset();
    return Main.run(args);
  }

  @Test
  void anUnnotifiedHolderIsSignalledOnceAtAKeepBreakRestore() {
    Path image = tmp.resolve("seed.img");
    // as taken: notified before the checkpoint, keep-break does not signal again
    assertThat(run("run", "--journal", "none", "--mode", "keep-break", tmp.resolve("seed-restart.yaml").toString())).isZero();
    assertThat(output.out()).contains("keep-break semantics").contains("holder not signalled again")
        .doesNotContain("10.000s  P1[101]    --- SIGIO");

    assertThat(run("image", "edit", image.toString(), "--notified", "false")).isZero();
    assertThat(output.out()).contains("breakNotified true -> false");
    assertThat(run("image", "show", image.toString())).isZero();
    assertThat(output.out()).contains("breakNotified false");
    assertThat(run("run", "--journal", "none", "--mode", "keep-break", tmp.resolve("seed-restart.yaml").toString())).isZero();
    assertThat(output.out()).contains("holder signalled now").contains("10.000s  P1[101]    --- SIGIO");

    assertThat(run("image", "edit", image.toString(), "--notified", "maybe")).isEqualTo(2);
    assertThat(output.err()).contains("--notified must be true or false");
    assertThat(run("run", "--journal", "none", "--mode", "keep", tmp.resolve("seed-restart.yaml").toString())).isEqualTo(2);
    assertThat(output.err()).contains("seed, criu or keep-break");
  }

  @Test
  void showEditAndRestartRefuseTheSameNegativeRemainingTime() throws Exception {
    Path image = tmp.resolve("seed.img");
    CheckpointImage good = ImageFiles.read(image);
    CheckpointImage bad = good.toBuilder().setLeases(0, good.getLeases(0).toBuilder().setRemainingMs(-5000)).build();
    ImageFiles.write(image, bad);
    byte[] before = Files.readAllBytes(image);

    assertThat(run("image", "show", image.toString())).isEqualTo(2);
    assertThat(output.err()).contains("lease 1 (leases[0], holder pid 101): remaining_ms -5000 is invalid");
    assertThat(run("image", "edit", image.toString(), "--notified", "true")).isEqualTo(2);
    assertThat(output.err()).contains("lease 1 (leases[0], holder pid 101): remaining_ms -5000 is invalid");
    assertThat(Files.readAllBytes(image)).isEqualTo(before);
    assertThat(run("run", "--journal", "none", tmp.resolve("seed-restart.yaml").toString())).isEqualTo(2);
    assertThat(output.err()).contains("lease 1 (leases[0], holder pid 101): remaining_ms -5000 is invalid");
  }
}
