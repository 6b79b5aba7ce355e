package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OfdLock;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.wire.ProcessSpec;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When {@link ImageBytes} uses its helper thread: from {@link ImageBytes#PARALLEL_FROM} repeated items
 * (processes, files, leases and POSIX locks all count), never for an image with flock or OFD locks or
 * unknown fields (whose order only the plain path keeps); the bytes are protobuf's own either way.
 */
class ImageBytesPathTest {

  /** Runs the helper's work on the calling thread, counting it. */
  private static final class Counting implements Executor {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public void execute(Runnable r) {
      runs.incrementAndGet();
      r.run();
    }
  }

  /** An image of {@code quarter} each of processes, files, leases and POSIX locks. */
  private static CheckpointImage image(int processes, int files, int leases, int posix) {
    CheckpointImage.Builder b = CheckpointImage.newBuilder().setMagic(ImageCodec.MAGIC).setId("C1");
    for (int i = 0; i < processes; i++) {
      b.addProcesses(io.leasecr.proto.image.Process.newBuilder().setSpec(ProcessSpec.newBuilder().setPid(i + 1)));
    }
    for (int i = 0; i < files; i++) {
      b.addFiles(OpenFile.newBuilder().setId(i));
    }
    for (int i = 0; i < leases; i++) {
      b.addLeases(Lease.newBuilder().setFileId(i));
    }
    for (int i = 0; i < posix; i++) {
      b.addPosixLocks(PosixLock.newBuilder().setIno(i));
    }
    return b.build();
  }

  private static int helperRuns(CheckpointImage image) {
    Counting helper = new Counting();
    byte[] bytes = ImageBytes.serialize(image, helper);
    assertThat(bytes).isEqualTo(image.toByteArray());
    return helper.runs.get();
  }

  @Test
  void theHelperWorksFromTwentyThousandItemsOfAllFourKinds() {
    int q = ImageBytes.PARALLEL_FROM / 4;
    assertThat(helperRuns(image(q, q, q, q))).isEqualTo(2); // sizes, then writes, the second half
    assertThat(helperRuns(image(q, q, q, q - 1))).isZero();
    assertThat(helperRuns(image(0, ImageBytes.PARALLEL_FROM, 0, 0))).isEqualTo(2);
    assertThat(helperRuns(image(1, 1, 1, 1))).isZero();
    assertThat(helperRuns(CheckpointImage.getDefaultInstance())).isZero();
  }

  @Test
  void flockOrOfdLocksOrUnknownFieldsKeepThePlainPath() {
    int q = ImageBytes.PARALLEL_FROM / 4;
    CheckpointImage big = image(q, q, q, q);
    assertThat(helperRuns(big.toBuilder().addOfdLocks(OfdLock.newBuilder().setFileId(1)).build())).isZero();
    assertThat(helperRuns(big.toBuilder().addFlockLocks(io.leasecr.proto.image.FlockLock.newBuilder().setFileId(1))
        .build())).isZero();
    assertThat(helperRuns(big.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(5).build()).build()).build())).isZero();
  }
}
