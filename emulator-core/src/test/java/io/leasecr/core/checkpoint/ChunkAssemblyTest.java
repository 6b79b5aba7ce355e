package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Reassembly rules without a journal: order, completeness, length and CRC32 against the marker. */
class ChunkAssemblyTest {

  private static final byte[] IMAGE = "0123456789".getBytes(StandardCharsets.US_ASCII);

  private static CheckpointCoordinator.Marker marker(int size, int chunks, long first) {
    CRC32 crc = new CRC32();
    crc.update(IMAGE, 0, size);
    return new CheckpointCoordinator.Marker("C1", 2000, "s", size, chunks, (int) crc.getValue(), 3,
        ChunkStore.persistenceId(3), first);
  }

  private static ChunkStore.Chunk chunk(int from, int to) {
    return new ChunkStore.Chunk(ByteString.copyFrom(IMAGE, from, to - from));
  }

  @Test
  void chunksInOrderMakeTheImage() {
    ChunkAssembly a = new ChunkAssembly(marker(10, 3, 5)).add(5, chunk(0, 4)).add(6, chunk(4, 8)).add(7, chunk(8, 10));
    assertThat(a.problem()).isNull();
    assertThat(a.bytes()).isEqualTo(IMAGE);
  }

  @Test
  void anEmptyImageIsOneEmptyChunk() {
    ChunkAssembly a = new ChunkAssembly(marker(0, 1, 1)).add(1, chunk(0, 0));
    assertThat(a.problem()).isNull();
    assertThat(a.bytes()).isEmpty();
  }

  @Test
  void aGapOrAForeignEventNamesTheMissingChunk() {
    ChunkAssembly a = new ChunkAssembly(marker(10, 3, 5)).add(5, chunk(0, 4));
    assertThatThrownBy(() -> a.add(7, chunk(8, 10)))
        .hasMessage("chunk 2 of 3 is missing (event 6 of lease-cr-checkpoint-chunks|3)");
    assertThatThrownBy(() -> new ChunkAssembly(marker(10, 3, 5)).add(5, "not a chunk"))
        .hasMessage("chunk 1 of 3 is missing (event 5 of lease-cr-checkpoint-chunks|3)");
  }

  @Test
  void tooFewChunksTooFewBytesTooManyBytesAndDamageAreRefused() {
    assertThat(new ChunkAssembly(marker(10, 3, 5)).add(5, chunk(0, 4)).problem())
        .isEqualTo("only 1 of its 3 chunks are in the journal (lease-cr-checkpoint-chunks|3)");
    assertThat(new ChunkAssembly(marker(10, 2, 5)).add(5, chunk(0, 4)).add(6, chunk(4, 8)).problem())
        .isEqualTo("its chunks hold 8 bytes, its marker says 10");
    assertThatThrownBy(() -> new ChunkAssembly(marker(4, 2, 5)).add(5, chunk(0, 4)).add(6, chunk(4, 8)))
        .hasMessage("its chunks hold more than the 4 bytes its marker says");
    ChunkStore.Chunk damaged = new ChunkStore.Chunk(ByteString.copyFromUtf8("01X3"));
    assertThat(new ChunkAssembly(marker(4, 1, 5)).add(5, damaged).problem()).startsWith("its chunks are damaged: CRC32");
  }
}
