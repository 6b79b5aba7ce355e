package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.LeaseType;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.wire.ProcessSpec;
import io.leasecr.proto.wire.Reaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image files check themselves: issue 14's corrupt images, each refused naming the file and the fault. */
class ImageFilesTest {

  /** The seed's checkpoint: P1 holds a breaking write lease with 5 s left, P2 waits in open. */
  static CheckpointImage seed() {
    return CheckpointImage.newBuilder().setMagic(ImageCodec.MAGIC).setId("C1").setTakenAtMs(41_000)
        .setScenario("seed-checkpoint").setLeaseBreakTime(45).setLeasesEnable(true)
        .addProcesses(io.leasecr.proto.image.Process.newBuilder()
            .setSpec(ProcessSpec.newBuilder().setPid(101).setPpid(1).setName("P1")
                .addReactions(Reaction.newBuilder().setSigno(29).setAction(Reaction.Action.RELEASE).setDelayMs(44_000)))
            .putFds(3, 7L).addLeaseFds(3)
            .addReactions(PendingReaction.newBuilder().setSiFd(3).setRemainingMs(4000)))
        .addProcesses(io.leasecr.proto.image.Process.newBuilder()
            .setSpec(ProcessSpec.newBuilder().setPid(102).setPpid(1).setName("P2")))
        .addFiles(OpenFile.newBuilder().setId(7).setIno(11).setPath("/data/F1").setOwnerPid(101))
        .addLeases(Lease.newBuilder().setFileId(7).setPid(101).setType(LeaseType.F_WRLCK).setUnlockPending(true)
            .setHasTypePrev(true).setTypePrev(LeaseType.F_WRLCK).setBreakNotified(true).setRemainingMs(5000))
        .addPosixLocks(PosixLock.newBuilder().setIno(11).setPid(101).setType(LeaseType.F_RDLCK).setStart(0).setEnd(-1))
        .build();
  }

  /** The refusal's message for these bytes as an image file; fails if they are accepted. */
  static String refusal(byte[] bytes) {
    try {
      ImageFiles.decode("t.img", bytes);
    } catch (ImageFiles.BadImage e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted");
  }

  @Test
  void anImageReadsBackAndSaysItHasAHeader(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("seed.img");
    ImageFiles.write(f, seed());
    ImageFiles.Loaded l = ImageFiles.load(f);
    assertThat(l.image()).isEqualTo(seed());
    assertThat(l.headerless()).isFalse();
    assertThat(Files.readAllBytes(f)).startsWith(0x89, 'L', 'C', 'R', 'I', 'M', 'G', '\n', 0, 0, 0, 2);
    assertThat(Files.list(dir)).containsExactly(f); // no temporary file left
    // a new image has the permissions any new file gets here (the umask's), not a temporary file's 0600; one
    // written over keeps the old file's permissions
    Path plain = Files.write(dir.resolve("plain"), new byte[] {1});
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(Files.getPosixFilePermissions(plain));
    Files.delete(plain);
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
    ImageFiles.write(f, seed().toBuilder().setId("C2").build());
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("r--r-----");
    assertThat(ImageFiles.read(f).getId()).isEqualTo("C2");
  }

  @Test
  void anOldHeaderlessImageStillReadsAndIsNamedAsSuch(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("old.img");
    Files.write(f, seed().toByteArray());
    ImageFiles.Loaded l = ImageFiles.load(f);
    assertThat(l.image()).isEqualTo(seed());
    assertThat(l.headerless()).isTrue();
    assertThat(l.note(f)).contains("old headerless image");
  }

  @Test
  void truncatedImagesAreRefusedWithTheirLength() {
    byte[] b = ImageFiles.encode(seed());
    assertThat(refusal(Arrays.copyOf(b, 9))).isEqualTo("t.img: truncated at 9 of 24 header bytes");
    assertThat(refusal(Arrays.copyOf(b, b.length - 35))).isEqualTo("t.img: truncated at " + (b.length - 35) + " of "
        + b.length + " bytes");
    // the old form cannot tell, but a cut at 9 bytes leaves no id: refused, and says it may be cut short
    assertThat(refusal(Arrays.copyOf(seed().toByteArray(), 9))).contains("id must not be empty").contains("cut short");
  }

  @Test
  void everySingleByteFlipIsRefused() {
    byte[] b = ImageFiles.encode(seed());
    for (int i = 0; i < b.length; i++) {
      byte[] c = b.clone();
      c[i] ^= 0x01;
      String why = refusal(c);
      assertThat(why).startsWith("t.img: ").containsAnyOf("checksum mismatch", "not a checkpoint image",
          "not supported", "truncated", "after the image's end", "not possible");
    }
  }

  @Test
  void junkInFrontOrTheImageTwiceIsRefused() {
    byte[] b = ImageFiles.encode(seed());
    byte[] junk = new byte[b.length + 3];
    System.arraycopy(b, 0, junk, 3, b.length);
    assertThat(refusal(junk)).contains("not a checkpoint image");
    byte[] twice = Arrays.copyOf(b, 2 * b.length);
    System.arraycopy(b, 0, twice, b.length, b.length);
    assertThat(refusal(twice)).contains(b.length + " bytes after the image's end");
    byte[] old = seed().toByteArray();
    byte[] oldTwice = Arrays.copyOf(old, 2 * old.length);
    System.arraycopy(old, 0, oldTwice, old.length, old.length);
    assertThat(refusal(oldTwice)).contains("field magic given twice");
  }

  @Test
  void anotherVersionIsRefusedByNumber() {
    byte[] b = ImageFiles.encode(seed());
    b[11] = 3;
    assertThat(refusal(b)).isEqualTo("t.img: version 3 not supported (this emulator reads version 2 and old headerless images)");
  }

  @Test
  void unknownEnumValuesAreRefusedNamingTheField() {
    CheckpointImage bad = seed().toBuilder().setFiles(0, seed().getFiles(0).toBuilder().setModeValue(9)).build();
    assertThat(refusal(ImageFiles.encode(bad))).contains("files[0].mode = 9: not a known AccessMode value");
    bad = seed().toBuilder().setProcesses(0, seed().getProcesses(0).toBuilder().setSpec(
        seed().getProcesses(0).getSpec().toBuilder().setReactions(0,
            seed().getProcesses(0).getSpec().getReactions(0).toBuilder().setActionValue(77)))).build();
    assertThat(refusal(ImageFiles.encode(bad))).contains("processes[0].spec.reactions[0].action = 77");
  }

  @Test
  void aNegativeRemainingTimeIsRefusedNamingTheLeaseAndTheValue() {
    CheckpointImage bad = seed().toBuilder().setLeases(0, seed().getLeases(0).toBuilder().setRemainingMs(-5)).build();
    assertThat(refusal(ImageFiles.encode(bad))).contains("lease 1").contains("remaining_ms -5 is invalid");
    // the journal's bare payload goes through the same checks (restart from the journal)
    assertThatThrownBy(() -> ImageFiles.parse("journal checkpoint C1", bad.toByteArray()))
        .hasMessageContaining("lease 1").hasMessageContaining("remaining_ms -5");
  }

  @Test
  void referencesAndPidsMustResolve() {
    CheckpointImage b = seed();
    assertThat(refusal(ImageFiles.encode(b.toBuilder().setProcesses(0, b.getProcesses(0).toBuilder().putFds(4, 99L)).build())))
        .contains("processes[0] (pid 101).fds[4] names open file #99");
    assertThat(refusal(ImageFiles.encode(b.toBuilder().setLeases(0, b.getLeases(0).toBuilder().setFileId(8)).build())))
        .contains("file_id #8 is no open file");
    assertThat(refusal(ImageFiles.encode(b.toBuilder().addProcesses(b.getProcesses(1)).build())))
        .contains("pid 102 is used by two processes");
    assertThat(refusal(ImageFiles.encode(b.toBuilder().setPosixLocks(0, b.getPosixLocks(0).toBuilder().setIno(12)).build())))
        .contains("ino 12 is no file of the image");
    assertThat(refusal(ImageFiles.encode(b.toBuilder().setTakenAtMs(-1).build()))).contains("taken_at_ms -1 is out of range");
    assertThat(refusal(ImageFiles.encode(b.toBuilder().setLeases(0, b.getLeases(0).toBuilder()
        .setRemainingMs(Long.MAX_VALUE)).build()))).contains("remaining_ms 9223372036854775807 is invalid");
  }
}
