package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.node.cli.Main;
import io.leasecr.proto.image.CheckpointImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint taken in one run, shown, edited, and restored in another run; bad images change nothing. */
@UsesConsole
class CheckpointImageTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  @BeforeEach
  void copyTheExample() throws Exception {
    for (String f : new String[] {"seed-checkpoint.yaml", "seed-restart.yaml"}) {
      Files.copy(ShippedScenarios.root().resolve("examples").resolve(f), tmp.resolve(f));
    }
  }

  private int run(String... args) {
    output.reset();
    return Main.run(args);
  }

  private String stdout() {
    return output.out();
  }

  @Test
  void takenInOneRunEditedAndRestoredInAnother() {
    Path image = tmp.resolve("seed.img");
    assertThat(run("run", "--data", tmp.resolve("data").toString(), tmp.resolve("seed-checkpoint.yaml").toString())).isZero();
    assertThat(image).exists();

    assertThat(run("image", "show", image.toString())).isZero();
    assertThat(stdout()).contains("checkpoint C1 of seed-checkpoint, taken at 41.000 s")
        .contains("in open, blocked since 1.000 s (step 3)")
        .contains("handler for signal 29 will release in 4.000 s")
        .contains("typePrev F_WRLCK, breakNotified true, remaining 5000 ms");
    assertThat(run("image", "show", "--json", image.toString())).isZero();
    assertThat(stdout()).contains("\"remainingMs\": \"5000\"").contains("\"typePrev\": \"F_WRLCK\"");

    // as saved: P1 still needs 4 s of its 5, so P2's retried open returns 4 s after the restart at 10 s
    assertThat(run("run", tmp.resolve("seed-restart.yaml").toString())).isZero();
    assertThat(stdout()).contains("open(...) restarted after restore (-ERESTARTSYS)")
        .contains("14.000s  P2[102]    <... open resumed> = 3");

    // favour the breaker: no time left, the open returns at the restart, P1's late release finds no lease
    assertThat(run("image", "edit", image.toString(), "--favor-breaker")).isZero();
    assertThat(stdout()).contains("remaining 5000 ms -> 0 ms");
    assertThat(run("run", tmp.resolve("seed-restart.yaml").toString())).isZero();
    assertThat(stdout()).contains("10.000s  P2[102]    <... open resumed> = 3")
        .contains("fcntl(3, F_SETLEASE, F_UNLCK) = -1 EAGAIN");

    assertThat(run("image", "edit", image.toString(), "--add", "+7s", "--lease", "1")).isZero();
    assertThat(stdout()).contains("remaining 0 ms -> 7000 ms");
  }

  @Test
  void aDowngradesOwnTimeLeftIsShownAndEditedLikeTheUnlocks() throws Exception {
    Path image = tmp.resolve("seed.img");
    assertThat(run("run", "--data", tmp.resolve("data").toString(), tmp.resolve("seed-checkpoint.yaml").toString())).isZero();
    assertThat(run("image", "show", image.toString())).isZero();
    assertThat(stdout()).contains("breaking (unlock pending), typePrev F_WRLCK, breakNotified true, remaining 5000 ms\n")
        .doesNotContain("downgrade remaining");
    assertThat(run("image", "edit", image.toString(), "--add", "+1s")).isZero();
    assertThat(stdout()).doesNotContain("downgrade remaining");

    // a reader's downgrade under the unlock, 2 s left of it
    CheckpointImage taken = ImageFiles.read(image);
    ImageFiles.write(image, taken.toBuilder().setLeases(0, taken.getLeases(0).toBuilder().setDowngradePending(true)
        .setDowngradeRemainingMs(2000)).build());
    assertThat(run("image", "show", image.toString())).isZero();
    assertThat(stdout()).contains("breaking (unlock and downgrade pending), typePrev F_WRLCK, breakNotified true, "
        + "remaining 6000 ms, downgrade remaining 2000 ms\n");
    assertThat(run("image", "edit", image.toString(), "--add", "+1s")).isZero();
    assertThat(stdout()).contains("remaining 6000 ms -> 7000 ms").contains("downgrade remaining 2000 ms -> 3000 ms");
    assertThat(ImageFiles.read(image).getLeases(0).getDowngradeRemainingMs()).isEqualTo(3000);
    assertThat(run("image", "edit", image.toString(), "--favor-breaker")).isZero();
    assertThat(stdout()).contains("downgrade remaining 3000 ms -> 0 ms");
    assertThat(run("image", "edit", image.toString(), "--notified", "false")).isZero();
    assertThat(stdout()).doesNotContain("downgrade remaining");
    assertThat(ImageFiles.read(image).getLeases(0).getDowngradeRemainingMs()).isZero();
  }

  @Test
  void badImagesAreRefusedAndLeftUnchanged() throws Exception {
    assertThat(run("run", "--data", tmp.resolve("data").toString(), tmp.resolve("seed-checkpoint.yaml").toString())).isZero();
    byte[] good = Files.readAllBytes(tmp.resolve("seed.img"));

    Path truncated = tmp.resolve("truncated.img");
    Files.write(truncated, Arrays.copyOf(good, good.length / 2));
    assertThat(run("image", "edit", truncated.toString(), "--remaining", "3s")).isEqualTo(2);
    assertThat(output.err()).contains(truncated + ": truncated at " + good.length / 2 + " of " + good.length + " bytes");
    assertThat(Files.readAllBytes(truncated)).isEqualTo(Arrays.copyOf(good, good.length / 2));

    Path foreign = tmp.resolve("foreign.img");
    Files.writeString(foreign, "name: not an image\n");
    assertThat(run("image", "show", foreign.toString())).isEqualTo(2);
    assertThat(output.err()).contains(foreign.toString()).contains("image");

    assertThat(run("image", "edit", tmp.resolve("seed.img").toString(), "--lease", "9", "--remaining", "1s"))
        .isEqualTo(2);
    assertThat(output.err()).contains("the image has 1 lease(s)");
    assertThat(Files.readAllBytes(tmp.resolve("seed.img"))).isEqualTo(good);
    // 0 is no lease number (they count from 1), not "all of them"
    assertThat(run("image", "edit", tmp.resolve("seed.img").toString(), "--lease", "0", "--remaining", "1s"))
        .isEqualTo(2);
    assertThat(output.err()).contains("--lease must be 1 or more, got 0");
    assertThat(Files.readAllBytes(tmp.resolve("seed.img"))).isEqualTo(good);

    Files.write(tmp.resolve("seed.img"), Arrays.copyOf(good, good.length - 7));
    assertThat(run("run", tmp.resolve("seed-restart.yaml").toString())).isEqualTo(2);
    assertThat(output.err()).contains("seed.img: truncated at " + (good.length - 7) + " of " + good.length + " bytes");

    // an invalid value: `image show` and the restart refuse it alike, naming the lease and the value
    CheckpointImage image = ImageFiles.decode("seed.img", good).image();
    ImageFiles.write(tmp.resolve("seed.img"), image.toBuilder()
        .setLeases(0, image.getLeases(0).toBuilder().setRemainingMs(-5)).build());
    assertThat(run("image", "show", tmp.resolve("seed.img").toString())).isEqualTo(2);
    assertThat(output.err()).contains("lease 1 (leases[0], holder pid 101): remaining_ms -5 is invalid");
    assertThat(run("run", tmp.resolve("seed-restart.yaml").toString())).isEqualTo(2);
    assertThat(output.err()).contains("lease 1 (leases[0], holder pid 101): remaining_ms -5 is invalid");
  }
}
