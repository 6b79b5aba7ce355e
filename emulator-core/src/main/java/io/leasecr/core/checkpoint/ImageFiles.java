package io.leasecr.core.checkpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.leasecr.proto.image.CheckpointImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Checkpoint image files, which check themselves as CRIU's do (magic first): a 24-byte header, then the
 * CheckpointImage protobuf (the payload). All header numbers are big-endian:
 *
 * <pre>
 *   offset  size  field
 *        0     8  magic: 0x89 'L' 'C' 'R' 'I' 'M' 'G' '\n' (0x89 and '\n' catch text-mode copies)
 *        8     4  format version: 2 (1 is the old headerless form)
 *       12     8  payload length in bytes
 *       20     4  CRC32C of the payload
 *       24     -  payload: a CheckpointImage (leasecr/image.proto)
 * </pre>
 *
 * <p>A file is refused, naming the file and what is wrong, when it is shorter than its header says
 * (truncated at N of M bytes), longer (junk or a second image after it), its checksum does not match,
 * its version is not 2, or it starts with neither the magic nor an old image. Old headerless images
 * (the bare protobuf, written before the header) still read; the caller is told so, and {@code image
 * edit} writes them back in this form. Every image read, from a file or the journal, is then checked
 * field by field ({@link ImageCheck}) before anything shows, imports or restores it. The journal keeps
 * the bare payload: its own records carry a CRC.
 */
public final class ImageFiles {

  static final byte[] MAGIC = {(byte) 0x89, 'L', 'C', 'R', 'I', 'M', 'G', '\n'};
  public static final int VERSION = 2;
  public static final int HEADER_BYTES = 24;
  /** The largest payload: a Java array's limit (a 100,000-process image is about 20 MB). */
  public static final long MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - 64;
  /** How an old headerless image starts: field 1 (magic), length 7, "LCRIMG1". */
  private static final byte[] OLD_START = {0x0a, 0x07, 'L', 'C', 'R', 'I', 'M', 'G', '1'};

  private ImageFiles() {}

  /** A file that is not a readable checkpoint image. */
  public static final class BadImage extends Exception {
    public BadImage(String message) {
      super(message);
    }
  }

  /** An image read from a file; {@code headerless}: an old image without header (nothing to check it by). */
  public record Loaded(CheckpointImage image, boolean headerless) {
    public String note(Path path) {
      return headerless ? path + ": old headerless image (written before images had a header and checksum; "
          + "read without those checks; `emulator image edit` writes it in the new form)" : null;
    }
  }

  /** The file's bytes: header and payload. */
  public static byte[] encode(CheckpointImage image) {
    byte[] payload = ImageBytes.serialize(image);
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    b.put(MAGIC).putInt(VERSION).putLong(payload.length).putInt((int) crc.getValue()).put(payload);
    return b.array();
  }

  public static void write(Path path, CheckpointImage image) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // made as any new file is (its permissions from the umask), not by createTempFile (always 0600)
    Path tmp = dir.resolve("." + path.getFileName() + "." + Long.toUnsignedString(
        java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
    try {
      Files.write(tmp, encode(image), java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE);
      keepPermissions(tmp, path);
      // a crash while writing leaves the old image (or none), never half a new one
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** An image written over another keeps that file's permissions, where the file system has them to give. */
  private static void keepPermissions(Path tmp, Path path) {
    try {
      if (Files.exists(path)) {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(path));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no POSIX permissions there (vfat, CIFS): the new file's own are as good as any
    }
  }

  public static CheckpointImage read(Path path) throws BadImage {
    return load(path).image();
  }

  /** The image in a file, header and fields checked; says whether it was an old headerless one. */
  public static Loaded load(Path path) throws BadImage {
    byte[] bytes;
    try {
      if (Files.exists(path) && !Files.isRegularFile(path)) {
        // a fifo or a device would block the read or never end; a directory is no image either
        throw new BadImage(path + ": cannot read the image: not a regular file"
            + (Files.isDirectory(path) ? " (a directory)" : ""));
      }
      long size = Files.size(path);
      byte[] head;
      try (InputStream in = Files.newInputStream(path)) {
        head = in.readNBytes(HEADER_BYTES);
      }
      // the header's checks that need no payload come first: a huge file is refused unread
      if (head.length == HEADER_BYTES && startsWith(head, MAGIC)) {
        decodeHeader(path.toString(), head, size);
      } else if (size > MAX_PAYLOAD_BYTES) {
        throw new BadImage(path + ": not a checkpoint image (no image header, and larger than any image)");
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new BadImage(path + ": cannot read the image: no such file");
    } catch (IOException e) {
      throw new BadImage(path + ": cannot read the image: " + e.getMessage());
    }
    return decode(path.toString(), bytes);
  }

  /** Checks the header against the file's size; returns the payload's length. */
  private static long decodeHeader(String where, byte[] bytes, long size) throws BadImage {
    ByteBuffer h = ByteBuffer.wrap(bytes);
    int version = h.getInt(8);
    long length = h.getLong(12);
    if (version != VERSION) {
      throw new BadImage(where + ": version " + Integer.toUnsignedString(version) + " not supported (this emulator reads"
          + " version " + VERSION + " and old headerless images)");
    }
    if (length < 0 || length > MAX_PAYLOAD_BYTES) {
      throw new BadImage(where + ": the header's payload length " + Long.toUnsignedString(length)
          + " is not possible: corrupt header");
    }
    long expected = HEADER_BYTES + length;
    if (size < expected) {
      throw new BadImage(where + ": truncated at " + size + " of " + expected + " bytes");
    }
    if (size > expected) {
      throw new BadImage(where + ": " + (size - expected) + " bytes after the image's end (byte " + expected
          + "): junk or a second image appended");
    }
    return length;
  }

  /** A file's bytes to an image: with a header (checked), or an old headerless image. */
  public static Loaded decode(String where, byte[] bytes) throws BadImage {
    if (startsWith(bytes, MAGIC)) {
      if (bytes.length < HEADER_BYTES) {
        throw new BadImage(where + ": truncated at " + bytes.length + " of " + HEADER_BYTES + " header bytes");
      }
      long length = decodeHeader(where, bytes, bytes.length);
      int crc = ByteBuffer.wrap(bytes).getInt(20);
      CRC32C c = new CRC32C();
      c.update(bytes, HEADER_BYTES, (int) length);
      if ((int) c.getValue() != crc) {
        throw new BadImage(where + String.format(": checksum mismatch (CRC32C of the payload is %08x, the header says %08x):"
            + " the image is corrupt", (int) c.getValue(), crc));
      }
      return new Loaded(parse(where, ByteBuffer.wrap(bytes, HEADER_BYTES, (int) length)), false);
    }
    if (startsWith(bytes, OLD_START)) {
      singleFields(where, bytes);
      try {
        return new Loaded(parse(where, bytes), true);
      } catch (BadImage e) {
        throw new BadImage(e.getMessage() + " (an old headerless image: it may have been cut short, which only"
            + " the new header can tell)");
      }
    }
    if (startsWith(MAGIC, bytes) || startsWith(OLD_START, bytes)) { // a proper prefix of either: cut inside it
      throw new BadImage(where + ": truncated at " + bytes.length + " bytes (not even a whole header)");
    }
    throw new BadImage(where + ": not a checkpoint image (it starts with neither the image magic "
        + "\\x89LCRIMG\\n nor an old headerless image)");
  }

  /** The bare payload (as the journal keeps it), its fields checked. */
  public static CheckpointImage parse(String where, byte[] bytes) throws BadImage {
    try {
      return checked(where, CheckpointImage.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(where, e);
    }
  }

  /** The same, without copying bytes the journal already holds. */
  public static CheckpointImage parse(String where, ByteString bytes) throws BadImage {
    try {
      return checked(where, CheckpointImage.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(where, e);
    }
  }

  private static CheckpointImage parse(String where, ByteBuffer payload) throws BadImage {
    try {
      return checked(where, CheckpointImage.parseFrom(payload));
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(where, e);
    }
  }

  /**
   * An old image has no length: an image twice in a row, or junk that happens to parse, shows as a
   * single-valued field (magic, id, ...) given more than once. Protobuf would keep the last; refuse.
   */
  private static void singleFields(String where, byte[] bytes) throws BadImage {
    int[] seen = new int[7];
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    try {
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        if (field >= 1 && field <= 6 && ++seen[field] > 1) {
          throw new BadImage(where + ": old headerless image with field "
              + CheckpointImage.getDescriptor().findFieldByNumber(field).getName()
              + " given twice: two images in a row, or junk appended");
        }
        if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(where, e);
    } catch (IOException e) {
      throw new BadImage(where + ": not a checkpoint image (corrupt or truncated): " + e.getMessage());
    }
  }

  private static BadImage corrupt(String where, InvalidProtocolBufferException e) {
    return new BadImage(where + ": not a checkpoint image (corrupt or truncated protobuf): " + e.getMessage());
  }

  private static CheckpointImage checked(String where, CheckpointImage image) throws BadImage {
    if (!ImageCodec.MAGIC.equals(image.getMagic())) {
      throw new BadImage(where + ": not a lease-cr checkpoint image (its magic field is not '" + ImageCodec.MAGIC + "')");
    }
    String problem = ImageCheck.problem(image);
    if (problem != null) {
      throw new BadImage(where + ": invalid image: " + problem);
    }
    return image;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }
}
