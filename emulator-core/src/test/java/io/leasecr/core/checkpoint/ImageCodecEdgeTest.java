package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.FlockLock;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.PosixLock;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.core.locks.Vfs;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.wire.ProcessSpec;
import java.io.NotSerializableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ImageCodec} at its edges: ranges ending at byte 0, a fifo, files in any order, every lease type. */
class ImageCodecEdgeTest {

  private static final Vfs VFS = Vfs.builder().file("/data/F1", 0, Inode.Kind.REGULAR, true)
      .file("/run/fifo", 0, Inode.Kind.FIFO, false).build();

  @Test
  void aLockEndingAtByteZeroIsNotALockToEof() throws Exception {
    Inode f1 = VFS.lookup("/data/F1");
    SavedLocks saved = new SavedLocks(45, true,
        List.of(new SavedLocks.File(7, f1, AccessMode.O_RDWR, false, 0, 0, -1)), List.of(),
        List.of(new SavedLocks.Posix(f1.ino(), new PosixLock(101, LeaseType.WRLCK, 0, 0)),
            new SavedLocks.Posix(f1.ino(), new PosixLock(101, LeaseType.RDLCK, 0, 0, 7))),
        List.of(new SavedLocks.Flock(f1.ino(), new FlockLock(7, 101, LeaseType.RDLCK))));
    CheckpointImage image = ImageCodec.locks(saved).build();
    assertThat(image.getPosixLocks(0).getEnd()).isZero();
    assertThat(image.getOfdLocks(0).getEnd()).isZero();
    assertThat(image.getFlockLocks(0).getType()).isEqualTo(io.leasecr.proto.image.LeaseType.F_RDLCK);
    SavedLocks back = ImageCodec.savedLocks(image, VFS);
    assertThat(back.posix()).isEqualTo(saved.posix());
    assertThat(back.posix().get(0).lock().end()).isZero();
    assertThat(back.posix().get(1).lock().end()).isZero();
    assertThat(back.flocks()).isEqualTo(saved.flocks());
    assertThat(back.leasesEnable()).isTrue();
  }

  @Test
  void aFifoIsSavedAsNotRegularAndARegularFileAsRegular() {
    SavedLocks saved = new SavedLocks(45, true,
        List.of(new SavedLocks.File(7, VFS.lookup("/data/F1"), AccessMode.O_RDONLY, false, 0, 0, -1),
            new SavedLocks.File(8, VFS.lookup("/run/fifo"), AccessMode.O_WRONLY, true, 0, 0, -1)),
        List.of(), List.of(), List.of());
    CheckpointImage image = ImageCodec.locks(saved).build();
    assertThat(image.getFiles(0).getNotRegular()).isFalse();
    assertThat(image.getFiles(1).getNotRegular()).isTrue();
    assertThat(image.getFiles(1).getNonblock()).isTrue();
  }

  @Test
  void leaseTypesConvertBothWaysAndAnUnknownOneIsRefused() throws Exception {
    for (LeaseType t : LeaseType.values()) {
      io.leasecr.proto.image.LeaseType p = ImageCodec.type(t);
      assertThat(p.getNumber()).isEqualTo(t.value);
      assertThat(ImageCodec.type(p)).isSameAs(t);
    }
    assertThatThrownBy(() -> ImageCodec.type(io.leasecr.proto.image.LeaseType.UNRECOGNIZED))
        .isInstanceOf(NotSerializableException.class).hasMessage("unknown lease type in image");
  }

  private static CheckpointImage files(long... ids) {
    CheckpointImage.Builder b = CheckpointImage.newBuilder();
    for (long id : ids) {
      b.addFiles(OpenFile.newBuilder().setId(id).setIno(11).setPath("/data/F1"));
    }
    return b.build();
  }

  @Test
  void fileIdsResolveWhateverTheirOrderInTheImage() {
    CheckpointImage image = files(90, 40, 3, 70).toBuilder()
        .addProcesses(io.leasecr.proto.image.Process.newBuilder().setSpec(ProcessSpec.newBuilder().setName("P1"))
            .putFds(3, 3L).putFds(4, 90L).putFds(5, 40L))
        .addLeases(Lease.newBuilder().setFileId(3).setPid(101).setRemainingMs(-1))
        .addLeases(Lease.newBuilder().setFileId(70).setPid(102))
        .addFlockLocks(io.leasecr.proto.image.FlockLock.newBuilder().setFileId(40).setPid(101))
        .addOfdLocks(io.leasecr.proto.image.OfdLock.newBuilder().setFileId(3).setPid(101).setEnd(-1)).build();
    assertThat(ImageCodec.invalid(image)).isNull();
    assertThat(ImageCodec.mismatch(image, VFS)).isNull();
    assertThat(ImageCodec.invalid(image.toBuilder().addLeases(Lease.newBuilder().setFileId(41).setPid(5)).build()))
        .isEqualTo("a lease of pid 5 is on no open file of the image");
    // mismatch also says what invalid says, once every path is there
    assertThat(ImageCodec.mismatch(image.toBuilder().addLeases(Lease.newBuilder().setFileId(41).setPid(5)).build(), VFS))
        .isEqualTo("a lease of pid 5 is on no open file of the image");
  }

  @Test
  void aReactionWithNoTimeLeftAndATypePrevNotInForceAreAccepted() {
    CheckpointImage image = files(7).toBuilder()
        .addProcesses(io.leasecr.proto.image.Process.newBuilder().setSpec(ProcessSpec.newBuilder().setName("P1"))
            .addReactions(PendingReaction.newBuilder().setRemainingMs(0)))
        .addLeases(Lease.newBuilder().setFileId(7).setPid(101).setHasTypePrev(false).setTypePrevValue(2)).build();
    assertThat(ImageCodec.invalid(image)).isNull();
    assertThat(ImageCodec.invalid(image.toBuilder().setLeases(0, image.getLeases(0).toBuilder().setHasTypePrev(true)
        .setTypePrevValue(0)).build())).isNull();
    assertThat(ImageCodec.invalid(image.toBuilder().setLeases(0, image.getLeases(0).toBuilder().setHasTypePrev(true))
        .build())).isEqualTo("lease 1 (a lease of pid 101) has lease type 0 and typePrev 2 (F_RDLCK 0 or F_WRLCK 1;"
            + " typePrev never F_UNLCK)");
    assertThat(ImageCodec.invalid(image.toBuilder().setLeases(0, image.getLeases(0).toBuilder().setTypeValue(3)).build()))
        .isEqualTo("lease 1 (a lease of pid 101) has lease type 3 (F_RDLCK 0 or F_WRLCK 1; typePrev never F_UNLCK)");
  }
}
