package io.leasecr.core.checkpoint;

import static io.leasecr.core.checkpoint.ImageFilesTest.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.leasecr.proto.image.CheckpointImage;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image file's header, byte by byte, and each refusal of {@link ImageFiles} in its exact words: the
 * file, what is wrong and where (byte offsets, lengths, the version, both checksums).
 */
class ImageFilesRefusalTest {

  private static final CheckpointImage SEED = ImageFilesTest.seed();
  private static final byte[] PAYLOAD = SEED.toByteArray();
  private static final byte[] FILE = ImageFiles.encode(SEED);

  private static byte[] withLength(long length) {
    byte[] b = FILE.clone();
    ByteBuffer.wrap(b).putLong(12, length);
    return b;
  }

  /** A file with a valid header around these payload bytes. */
  private static byte[] file(byte[] payload) {
    CRC32C c = new CRC32C();
    c.update(payload);
    return ByteBuffer.allocate(24 + payload.length).put(ImageFiles.MAGIC).putInt(2).putLong(payload.length)
        .putInt((int) c.getValue()).put(payload).array();
  }

  @Test
  void theHeaderIsMagicVersionLengthAndTheChecksumOfThePayload() throws Exception {
    ByteBuffer h = ByteBuffer.wrap(FILE);
    assertThat(Arrays.copyOf(FILE, 8)).containsExactly(0x89, 'L', 'C', 'R', 'I', 'M', 'G', '\n');
    assertThat(h.getInt(8)).isEqualTo(ImageFiles.VERSION).isEqualTo(2);
    assertThat(h.getLong(12)).isEqualTo(PAYLOAD.length);
    CRC32C c = new CRC32C();
    c.update(PAYLOAD);
    assertThat(h.getInt(20)).isEqualTo((int) c.getValue());
    assertThat(Arrays.copyOfRange(FILE, 24, FILE.length)).isEqualTo(PAYLOAD);
    assertThat(FILE).hasSize(ImageFiles.HEADER_BYTES + PAYLOAD.length);
    ImageFiles.Loaded l = ImageFiles.decode("t.img", FILE);
    assertThat(l.image()).isEqualTo(SEED);
    assertThat(l.headerless()).isFalse();
    assertThat(l.note(Path.of("t.img"))).isNull();
  }

  @Test
  void aPayloadLengthNoFileCanHaveIsACorruptHeader() {
    assertThat(refusal(withLength(-1)))
        .isEqualTo("t.img: the header's payload length 18446744073709551615 is not possible: corrupt header");
    assertThat(refusal(withLength(ImageFiles.MAX_PAYLOAD_BYTES + 1)))
        .isEqualTo("t.img: the header's payload length 2147483584 is not possible: corrupt header");
    // the largest possible length is a length: this file is merely too short for it
    assertThat(refusal(withLength(ImageFiles.MAX_PAYLOAD_BYTES)))
        .isEqualTo("t.img: truncated at " + FILE.length + " of " + (24 + ImageFiles.MAX_PAYLOAD_BYTES) + " bytes");
    assertThat(refusal(withLength(PAYLOAD.length + 1L)))
        .isEqualTo("t.img: truncated at " + FILE.length + " of " + (FILE.length + 1) + " bytes");
    assertThat(refusal(withLength(PAYLOAD.length - 1L)))
        .isEqualTo("t.img: 1 bytes after the image's end (byte " + (FILE.length - 1) + "): junk or a second image appended");
    assertThat(refusal(withLength(0))).isEqualTo("t.img: " + PAYLOAD.length + " bytes after the image's end (byte 24):"
        + " junk or a second image appended");
  }

  @Test
  void junkAfterTheImageIsCountedFromItsEnd() {
    byte[] b = Arrays.copyOf(FILE, FILE.length + 3);
    assertThat(refusal(b)).isEqualTo("t.img: 3 bytes after the image's end (byte " + FILE.length
        + "): junk or a second image appended");
  }

  @Test
  void aChecksumMismatchGivesBothChecksums() {
    byte[] b = FILE.clone();
    ByteBuffer.wrap(b).putInt(20, 0x0badcafe);
    CRC32C c = new CRC32C();
    c.update(PAYLOAD);
    assertThat(refusal(b)).isEqualTo(String.format("t.img: checksum mismatch (CRC32C of the payload is %08x, the header"
        + " says 0badcafe): the image is corrupt", (int) c.getValue()));
    byte[] flipped = FILE.clone();
    flipped[FILE.length - 1] ^= 0x40;
    c.reset();
    c.update(flipped, 24, PAYLOAD.length);
    assertThat(refusal(flipped)).isEqualTo(String.format("t.img: checksum mismatch (CRC32C of the payload is %08x, the"
        + " header says %08x): the image is corrupt", (int) c.getValue(), ByteBuffer.wrap(FILE).getInt(20)));
  }

  @Test
  void versionsAreNamedAsUnsignedNumbers() {
    for (int v : new int[] {0, 1, 3, -1}) {
      byte[] b = FILE.clone();
      ByteBuffer.wrap(b).putInt(8, v);
      assertThat(refusal(b)).isEqualTo("t.img: version " + Integer.toUnsignedString(v) + " not supported (this emulator"
          + " reads version 2 and old headerless images)");
    }
  }

  @Test
  void shortFilesSayHowShortAndOthersThatTheyAreNoImage() {
    assertThat(refusal(new byte[0])).isEqualTo("t.img: truncated at 0 bytes (not even a whole header)");
    assertThat(refusal(Arrays.copyOf(FILE, 5))).isEqualTo("t.img: truncated at 5 bytes (not even a whole header)");
    assertThat(refusal(Arrays.copyOf(PAYLOAD, 4))).isEqualTo("t.img: truncated at 4 bytes (not even a whole header)");
    assertThat(refusal(Arrays.copyOf(FILE, 8))).isEqualTo("t.img: truncated at 8 of 24 header bytes");
    assertThat(refusal(Arrays.copyOf(FILE, 23))).isEqualTo("t.img: truncated at 23 of 24 header bytes");
    assertThat(refusal(Arrays.copyOf(FILE, 24))).isEqualTo("t.img: truncated at 24 of " + FILE.length + " bytes");
    String none = "t.img: not a checkpoint image (it starts with neither the image magic \\x89LCRIMG\\n nor an old"
        + " headerless image)";
    assertThat(refusal(new byte[] {'a', 'b', 'c'})).isEqualTo(none);
    assertThat(refusal("#!/bin/sh\necho not an image\n".getBytes())).isEqualTo(none);
    byte[] almost = Arrays.copyOf(FILE, 8);
    almost[7] = '\r'; // a text-mode copy
    assertThat(refusal(almost)).isEqualTo(none);
  }

  @Test
  void thePayloadMustBeALeaseCrImageWithValidFields() {
    assertThat(refusal(file(new byte[0])))
        .isEqualTo("t.img: not a lease-cr checkpoint image (its magic field is not 'LCRIMG1')");
    assertThat(refusal(file(SEED.toBuilder().setMagic("LCRIMG2").build().toByteArray())))
        .isEqualTo("t.img: not a lease-cr checkpoint image (its magic field is not 'LCRIMG1')");
    assertThat(refusal(file(SEED.toBuilder().setTakenAtMs(-7).build().toByteArray())))
        .isEqualTo("t.img: invalid image: taken_at_ms -7 is out of range (0 to 1000000000000)");
    assertThat(refusal(file(new byte[] {0x0a, 0x7f, 'L'})))
        .startsWith("t.img: not a checkpoint image (corrupt or truncated protobuf): ");
  }

  @Test
  void theJournalsBarePayloadIsCheckedTheSameWay() throws Exception {
    assertThat(ImageFiles.parse("journal C1", ByteString.copyFrom(PAYLOAD))).isEqualTo(SEED);
    assertThat(ImageFiles.parse("journal C1", PAYLOAD)).isEqualTo(SEED);
    assertThatThrownBy(() -> ImageFiles.parse("journal C1", ByteString.copyFrom(SEED.toBuilder().setId("").build()
        .toByteArray()))).hasMessage("journal C1: invalid image: id must not be empty");
    assertThatThrownBy(() -> ImageFiles.parse("journal C1", ByteString.copyFrom(new byte[] {0x0a, 0x05})))
        .hasMessageStartingWith("journal C1: not a checkpoint image (corrupt or truncated protobuf): ");
    assertThatThrownBy(() -> ImageFiles.parse("journal C1", new byte[] {0x12, 0x09, 'x'}))
        .hasMessageStartingWith("journal C1: not a checkpoint image (corrupt or truncated protobuf): ");
    assertThatThrownBy(() -> ImageFiles.parse("journal C1", new byte[0]))
        .hasMessage("journal C1: not a lease-cr checkpoint image (its magic field is not 'LCRIMG1')");
  }

  @Test
  void anOldImageWithASingleFieldGivenTwiceIsRefusedNamingIt() throws Exception {
    byte[] idTwice = concat(PAYLOAD, new byte[] {0x12, 0x02, 'C', '2'});
    assertThat(refusal(idTwice)).isEqualTo("t.img: old headerless image with field id given twice: two images in a row,"
        + " or junk appended");
    assertThat(refusal(concat(PAYLOAD, new byte[] {0x30, 0x01})))
        .isEqualTo("t.img: old headerless image with field leases_enable given twice: two images in a row, or junk appended");
    assertThat(refusal(concat(PAYLOAD, new byte[] {0x18, 0x05}))).contains("field taken_at_ms given twice");
    // repeated fields may come in any number, and in any order
    CheckpointImage more = SEED.toBuilder().addProcesses(SEED.getProcesses(1).toBuilder().setSpec(
        SEED.getProcesses(1).getSpec().toBuilder().setPid(103).setName("P3"))).build();
    ImageFiles.Loaded l = ImageFiles.decode("t.img", more.toByteArray());
    assertThat(l.image()).isEqualTo(more);
    assertThat(l.headerless()).isTrue();
    assertThat(l.note(Path.of("/x/old.img"))).isEqualTo("/x/old.img: old headerless image (written before images had a"
        + " header and checksum; read without those checks; `emulator image edit` writes it in the new form)");
    // cut inside a field: the scan before parsing finds it
    assertThat(refusal(concat(PAYLOAD, new byte[] {0x3a, 0x40, 0x0a})))
        .startsWith("t.img: not a checkpoint image (corrupt or truncated protobuf): ");
    // cut between fields, leaving an invalid image: the parse says so, and that the old form cannot tell a cut
    assertThat(refusal(concat(Arrays.copyOf(PAYLOAD, 9), new byte[] {0x18, 0x01})))
        .isEqualTo("t.img: invalid image: id must not be empty (an old headerless image: it may have been cut short,"
            + " which only the new header can tell)");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void filesThatCannotBeReadSaySo(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.img");
    assertThatThrownBy(() -> ImageFiles.load(missing)).hasMessage(missing + ": cannot read the image: no such file");
    assertThatThrownBy(() -> ImageFiles.read(dir)).hasMessageStartingWith(dir + ": cannot read the image: ");
    Path shortOne = dir.resolve("short.img");
    Files.write(shortOne, Arrays.copyOf(FILE, 10));
    assertThatThrownBy(() -> ImageFiles.read(shortOne)).hasMessage(shortOne + ": truncated at 10 of 24 header bytes");
    Path cut = dir.resolve("cut.img");
    Files.write(cut, Arrays.copyOf(FILE, FILE.length - 1));
    assertThatThrownBy(() -> ImageFiles.read(cut))
        .hasMessage(cut + ": truncated at " + (FILE.length - 1) + " of " + FILE.length + " bytes");
  }

  @Test
  void aHugeFileIsRefusedFromItsSizeAndHeaderUnread(@TempDir Path dir) throws Exception {
    long huge = ImageFiles.MAX_PAYLOAD_BYTES + 1000; // sparse: nothing is written but the first bytes
    Path junk = dir.resolve("huge.bin");
    try (RandomAccessFile f = new RandomAccessFile(junk.toFile(), "rw")) {
      f.write("not an image".getBytes());
      f.setLength(huge);
    }
    assertThatThrownBy(() -> ImageFiles.load(junk))
        .hasMessage(junk + ": not a checkpoint image (no image header, and larger than any image)");
    Path padded = dir.resolve("padded.img");
    try (RandomAccessFile f = new RandomAccessFile(padded.toFile(), "rw")) {
      f.write(FILE);
      f.setLength(huge);
    }
    assertThatThrownBy(() -> ImageFiles.load(padded)).hasMessage(padded + ": " + (huge - FILE.length)
        + " bytes after the image's end (byte " + FILE.length + "): junk or a second image appended");
  }

  @Test
  void writingMakesTheDirectoryAndReplacesAnImageWhole(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("a/b/c1.img");
    ImageFiles.write(f, SEED);
    assertThat(Files.readAllBytes(f)).isEqualTo(FILE);
    CheckpointImage later = SEED.toBuilder().setId("C2").setTakenAtMs(50_000).build();
    ImageFiles.write(f, later);
    assertThat(ImageFiles.read(f)).isEqualTo(later);
    assertThat(Files.readAllBytes(f)).isEqualTo(ImageFiles.encode(later));
    assertThat(Files.list(f.getParent())).containsExactly(f);
  }

  @Test
  void aFifoOrADirectoryIsRefusedUnread(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ImageFiles.load(dir)).isInstanceOf(ImageFiles.BadImage.class)
        .hasMessage(dir + ": cannot read the image: not a regular file (a directory)");
    Path fifo = dir.resolve("fifo");
    org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
        "mkfifo is not here");
    // no writer ever comes: reading it would block for good
    assertThatThrownBy(() -> ImageFiles.load(fifo)).isInstanceOf(ImageFiles.BadImage.class)
        .hasMessage(fifo + ": cannot read the image: not a regular file");
  }
}
