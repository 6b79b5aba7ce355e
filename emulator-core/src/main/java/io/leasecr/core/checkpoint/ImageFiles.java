package io.leasecr.core.checkpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.leasecr.proto.image.CheckpointImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Checkpoint image files: a CheckpointImage protobuf, written atomically, read with clear errors. */
public final class ImageFiles {

  private ImageFiles() {}

  /** A file that is not a readable checkpoint image. */
  public static final class BadImage extends Exception {
    public BadImage(String message) {
      super(message);
    }
  }

  public static void write(Path path, CheckpointImage image) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    Files.write(tmp, image.toByteArray());
    // a crash while writing leaves the old image (or none), never half a new one
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  public static CheckpointImage read(Path path) throws BadImage {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new BadImage(path + ": cannot read the image: " + e.getMessage());
    }
    return parse(path.toString(), bytes);
  }

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

  private static BadImage corrupt(String where, InvalidProtocolBufferException e) {
    return new BadImage(where + ": not a checkpoint image (corrupt or truncated): " + e.getMessage());
  }

  private static CheckpointImage checked(String where, CheckpointImage image) throws BadImage {
    if (!ImageCodec.MAGIC.equals(image.getMagic())) {
      throw new BadImage(where + ": not a lease-cr checkpoint image (magic '" + image.getMagic() + "', expected '"
          + ImageCodec.MAGIC + "')");
    }
    return image;
  }
}
