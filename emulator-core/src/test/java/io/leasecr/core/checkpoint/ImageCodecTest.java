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
import io.leasecr.proto.image.OfdLock;
import io.leasecr.proto.image.OpenFile;
import java.io.NotSerializableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lease table's part of an image, both ways, and the checks that refuse an image that does not fit. */
class ImageCodecTest {

  private static final Vfs VFS = Vfs.builder().file("/data/F1", 0, Inode.Kind.REGULAR, true)
      .file("/data/F2", 0, Inode.Kind.REGULAR, true).build();

  private static SavedLocks saved() {
    Inode f1 = VFS.lookup("/data/F1");
    Inode f2 = VFS.lookup("/data/F2");
    return new SavedLocks(30, false,
        List.of(new SavedLocks.File(7, f1, AccessMode.O_RDONLY, true, 101, 10, 3),
            new SavedLocks.File(8, f2, AccessMode.O_RDWR, false, 0, 0, -1)),
        List.of(new SavedLocks.Saved(7, 101, LeaseType.RDLCK, true, false, LeaseType.WRLCK, true, 5000),
            new SavedLocks.Saved(8, 102, LeaseType.WRLCK, false, false, null, false, -1)),
        List.of(new SavedLocks.Posix(f2.ino(), new PosixLock(102, LeaseType.WRLCK, 10, PosixLock.EOF)),
            new SavedLocks.Posix(f2.ino(), new PosixLock(102, LeaseType.RDLCK, 0, 4)),
            new SavedLocks.Posix(f2.ino(), new PosixLock(103, LeaseType.RDLCK, 5, 6, 8)),
            new SavedLocks.Posix(f1.ino(), new PosixLock(104, LeaseType.WRLCK, 1, PosixLock.EOF, 7))),
        List.of(new SavedLocks.Flock(f2.ino(), new FlockLock(8, 102, LeaseType.WRLCK))));
  }

  @Test
  void theLockTableComesBackAsItWasSaved() throws Exception {
    CheckpointImage image = ImageCodec.locks(saved()).build();
    assertThat(image.getLeaseBreakTime()).isEqualTo(30);
    assertThat(image.getLeases(0).getHasTypePrev()).isTrue();
    assertThat(image.getLeases(1).getHasTypePrev()).isFalse();
    assertThat(image.getPosixLocks(0).getEnd()).isEqualTo(-1); // EOF
    assertThat(image.getPosixLocks(1).getEnd()).isEqualTo(4);
    assertThat(image.getOfdLocksCount()).isEqualTo(2);
    assertThat(image.getOfdLocks(0).getEnd()).isEqualTo(6);
    assertThat(image.getOfdLocks(1).getEnd()).isEqualTo(-1);
    SavedLocks back = ImageCodec.savedLocks(image, VFS);
    SavedLocks want = saved();
    assertThat(back.leaseBreakTime()).isEqualTo(30);
    assertThat(back.leasesEnable()).isFalse();
    assertThat(back.files()).isEqualTo(want.files());
    assertThat(back.leases()).isEqualTo(want.leases());
    // classic locks first, then OFD locks, as the image keeps them apart
    assertThat(back.posix()).containsExactly(want.posix().get(0), want.posix().get(1), want.posix().get(2),
        want.posix().get(3));
    assertThat(back.flocks()).isEqualTo(want.flocks());
    assertThat(ImageCodec.invalid(image)).isNull();
    assertThat(ImageCodec.mismatch(image, VFS)).isNull();
  }

  @Test
  void aDowngradesOwnTimeLeftRoundTripsAndAnOldImageHasNone() throws Exception {
    SavedLocks base = saved();
    SavedLocks.Saved both = new SavedLocks.Saved(8, 102, LeaseType.WRLCK, true, true, LeaseType.WRLCK, true, 774, 202);
    SavedLocks.Saved noDeadline = new SavedLocks.Saved(7, 101, LeaseType.WRLCK, true, true, LeaseType.WRLCK, true,
        -1, -1);
    SavedLocks s = new SavedLocks(base.leaseBreakTime(), base.leasesEnable(), base.files(), List.of(noDeadline, both),
        List.of());
    CheckpointImage image = ImageCodec.locks(s).build();
    assertThat(image.getLeases(1).hasDowngradeRemainingMs()).isTrue();
    assertThat(image.getLeases(1).getDowngradeRemainingMs()).isEqualTo(202);
    assertThat(image.getLeases(0).getDowngradeRemainingMs()).isEqualTo(-1);
    // through the bytes, as a file or the journal keeps it
    CheckpointImage read = CheckpointImage.parseFrom(image.toByteArray());
    assertThat(ImageCodec.savedLocks(read, VFS).leases()).containsExactly(noDeadline, both);
    assertThat(ImageCodec.invalid(read)).isNull();
    // a lease with one break pending keeps one time: the field stays absent, the bytes as before
    CheckpointImage old = ImageCodec.locks(saved()).build();
    assertThat(old.getLeases(0).hasDowngradeRemainingMs()).isFalse();
    assertThat(ImageCodec.savedLocks(old, VFS).leases().get(0).downgradeRemainingMs())
        .isEqualTo(SavedLocks.Saved.NO_DOWNGRADE_TIME);
    assertThat(ImageCodec.invalid(read.toBuilder().setLeases(1, read.getLeases(1).toBuilder()
        .setDowngradeRemainingMs(-2)).build())).isEqualTo("lease 2 (a lease of pid 102) has downgrade remaining time -2"
            + " ms (-1 means no deadline; nothing else may be negative)");
  }

  @Test
  void anImageOfAnotherNamespaceOrWithAnUnknownTypeIsRefused() {
    CheckpointImage image = ImageCodec.locks(saved()).build();
    Vfs other = Vfs.builder().file("/data/F1", 0, Inode.Kind.REGULAR, true).build();
    assertThat(ImageCodec.mismatch(image, other)).isEqualTo("it has /data/F2, which this scenario does not declare");
    assertThatThrownBy(() -> ImageCodec.savedLocks(image, other)).isInstanceOf(NotSerializableException.class)
        .hasMessage("the image refers to /data/F2, which this scenario does not have");
    CheckpointImage odd = image.toBuilder().setLeases(0, image.getLeases(0).toBuilder().setTypeValue(7)).build();
    assertThatThrownBy(() -> ImageCodec.savedLocks(odd, VFS)).hasMessage("unknown lease type in image");
  }

  @Test
  void theImagesOwnPartsMustAgree() {
    CheckpointImage good = ImageCodec.locks(saved()).build();
    assertThat(ImageCodec.invalid(good.toBuilder().addFlockLocks(io.leasecr.proto.image.FlockLock
        .newBuilder().setFileId(99).setPid(5)).build()))
        .isEqualTo("a flock lock of pid 5 is on no open file of the image, or of type F_UNLCK");
    assertThat(ImageCodec.invalid(good.toBuilder().addFlockLocks(io.leasecr.proto.image.FlockLock.newBuilder()
        .setFileId(8).setPid(5).setType(io.leasecr.proto.image.LeaseType.F_UNLCK)).build()))
        .startsWith("a flock lock of pid 5");
    assertThat(ImageCodec.invalid(good.toBuilder().addOfdLocks(OfdLock.newBuilder().setFileId(99).setPid(6)).build()))
        .isEqualTo("an OFD lock of pid 6 is on no open file of the image, or of type F_UNLCK");
    assertThat(ImageCodec.invalid(good.toBuilder().addOfdLocks(OfdLock.newBuilder().setFileId(8).setPid(6)
        .setType(io.leasecr.proto.image.LeaseType.F_UNLCK)).build())).startsWith("an OFD lock of pid 6");
    assertThat(ImageCodec.invalid(good.toBuilder().addLeases(Lease.newBuilder().setFileId(99).setPid(9)).build()))
        .isEqualTo("a lease of pid 9 is on no open file of the image");
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(1, good.getLeases(1).toBuilder().setRemainingMs(-2))
        .build())).isEqualTo("lease 2 (a lease of pid 102) has remaining time -2 ms (-1 means no deadline; nothing "
            + "else may be negative)");
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(1, good.getLeases(1).toBuilder().setTypeValue(3))
        .build())).isEqualTo("lease 2 (a lease of pid 102) has lease type 3 (F_RDLCK 0 or F_WRLCK 1; typePrev never "
            + "F_UNLCK)");
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(0, good.getLeases(0).toBuilder().setTypePrevValue(2))
        .build())).isEqualTo("lease 1 (a lease of pid 101) has lease type 0 and typePrev 2 (F_RDLCK 0 or F_WRLCK 1; "
            + "typePrev never F_UNLCK)");
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(0, good.getLeases(0).toBuilder().setTypePrevValue(-1))
        .build())).contains("typePrev -1");
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(0, good.getLeases(0).toBuilder().setTypeValue(-1))
        .build())).contains("lease type -1");
    // a type of 2 (F_UNLCK) for the lease itself is the target type of a removed lease: accepted
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(1, good.getLeases(1).toBuilder().setTypeValue(2))
        .build())).isNull();
    assertThat(ImageCodec.invalid(good.toBuilder().setLeases(0, good.getLeases(0).toBuilder().setTypePrevValue(1)
        .setRemainingMs(-1)).build())).isNull();
    OpenFile f = good.getFiles(0);
    assertThat(ImageCodec.invalid(good.toBuilder().addProcesses(io.leasecr.proto.image.Process.newBuilder()
        .setSpec(io.leasecr.proto.wire.ProcessSpec.newBuilder().setName("P9")).putFds(4, 55L)).build()))
        .isEqualTo("P9's fd 4 names no open file of the image");
    assertThat(ImageCodec.invalid(good.toBuilder().addProcesses(io.leasecr.proto.image.Process.newBuilder()
        .setSpec(io.leasecr.proto.wire.ProcessSpec.newBuilder().setName("P8")).putFds(4, f.getId())
        .addReactions(io.leasecr.proto.image.PendingReaction.newBuilder().setRemainingMs(-1))).build()))
        .isEqualTo("P8 has a reaction with a negative time left");
  }
}
