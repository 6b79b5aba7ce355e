package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.LeaseType;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.wire.Disposition;
import io.leasecr.proto.wire.ProcessSpec;
import io.leasecr.proto.wire.Reaction;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The two-thread serialization gives protobuf's own bytes, small images and large ones alike. */
class ImageBytesTest {

  private static CheckpointImage image(int processes) {
    CheckpointImage.Builder b = CheckpointImage.newBuilder().setMagic(ImageCodec.MAGIC).setId("C1").setTakenAtMs(41_000)
        .setScenario("bench").setLeaseBreakTime(45).setLeasesEnable(true);
    for (int i = 0; i < processes; i++) {
      b.addProcesses(io.leasecr.proto.image.Process.newBuilder()
          .setSpec(ProcessSpec.newBuilder().setPid(1000 + i).setPpid(1).setName("p" + i).setSeed(i)
              .putDispositions(29, Disposition.newBuilder().setKind(Disposition.Kind.HANDLER).build())
              .addReactions(Reaction.newBuilder().setSigno(29).setAction(Reaction.Action.RELEASE).setDelayMs(4000)))
          .putFds(3, i + 1L).putFds(4, i + 2L).addLeaseFds(3)
          .addReactions(PendingReaction.newBuilder().setSiFd(3).setRemainingMs(i % 7)));
      b.addFiles(OpenFile.newBuilder().setId(i + 1L).setIno(10_000 + i).setPath("/bench/" + i).setOwnerPid(1000 + i));
      if (i % 100 == 0) {
        b.addLeases(Lease.newBuilder().setFileId(i + 1L).setPid(1000 + i).setType(LeaseType.F_WRLCK)
            .setHasTypePrev(true).setTypePrev(LeaseType.F_WRLCK).setRemainingMs(5000));
        b.addPosixLocks(PosixLock.newBuilder().setIno(10_000 + i).setPid(1000 + i).setStart(i).setEnd(-1));
      }
    }
    return b.build();
  }

  @Test
  void aLargeImageIsSerializedToTheSameBytesOnTwoThreads() {
    CheckpointImage image = image(30_000);
    var helper = Executors.newSingleThreadExecutor();
    try {
      assertThat(ImageBytes.serialize(image, helper)).isEqualTo(image.toByteArray());
    } finally {
      helper.shutdown();
    }
  }

  @Test
  void smallAndEmptyImagesAreSerializedTheOrdinaryWay() {
    assertThat(ImageBytes.serialize(image(10))).isEqualTo(image(10).toByteArray());
    assertThat(ImageBytes.serialize(CheckpointImage.getDefaultInstance())).isEmpty();
  }
}
