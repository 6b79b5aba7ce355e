package io.leasecr.core.checkpoint;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.leasecr.proto.image.CheckpointImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * A checkpoint image serialized on two threads: the same bytes as {@link CheckpointImage#toByteArray()}.
 *
 * <p>Serializing 100,000 processes is a few hundred milliseconds of protobuf work (map fields are slow
 * to size and write) on the emulator's only loop thread, while the tree is frozen. The image is one
 * message whose bulk is its repeated fields, each item written as tag, length, bytes, in field order:
 * the helper sizes and writes the second half of those items into the same array while the caller
 * does the first half. Small images are serialized the ordinary way.
 */
public final class ImageBytes {

  /** Below this many repeated items, a second thread costs more than it saves. */
  static final int PARALLEL_FROM = 20_000;

  private ImageBytes() {}

  public static byte[] serialize(CheckpointImage image) {
    return serialize(image, ForkJoinPool.commonPool());
  }

  static byte[] serialize(CheckpointImage image, Executor helper) {
    int count = image.getProcessesCount() + image.getFilesCount() + image.getLeasesCount()
        + image.getPosixLocksCount();
    if (count < PARALLEL_FROM || !image.getUnknownFields().asMap().isEmpty()
        || image.getFlockLocksCount() + image.getOfdLocksCount() > 0) { // fields 11, 12: the plain path keeps them in order
      return image.toByteArray();
    }
    // fields 1-6 come first in protobuf's field order; then 7 (processes), 8, 9, 10
    byte[] head = image.toBuilder().clearProcesses().clearFiles().clearLeases().clearPosixLocks().build()
        .toByteArray();
    List<Item> items = new ArrayList<>(count);
    image.getProcessesList().forEach(p -> items.add(new Item(CheckpointImage.PROCESSES_FIELD_NUMBER, p)));
    image.getFilesList().forEach(f -> items.add(new Item(CheckpointImage.FILES_FIELD_NUMBER, f)));
    image.getLeasesList().forEach(l -> items.add(new Item(CheckpointImage.LEASES_FIELD_NUMBER, l)));
    image.getPosixLocksList().forEach(l -> items.add(new Item(CheckpointImage.POSIX_LOCKS_FIELD_NUMBER, l)));
    // a process is several times the bytes of an open file: split so that both halves weigh about the same
    long total = 0;
    for (Item i : items) {
      total += weight(i);
    }
    int split = 0;
    for (long w = 0; split < items.size() && w < total / 2; split++) {
      w += weight(items.get(split));
    }
    List<Item> first = items.subList(0, split);
    List<Item> second = items.subList(split, items.size());
    CompletableFuture<Long> secondSize = CompletableFuture.supplyAsync(() -> size(second), helper);
    long firstSize = size(first);
    long size = head.length + firstSize + secondSize.join();
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a checkpoint image of " + size + " bytes is too large to serialize");
    }
    byte[] out = new byte[(int) size];
    System.arraycopy(head, 0, out, 0, head.length);
    int secondAt = (int) (head.length + firstSize);
    CompletableFuture<Void> secondWritten = CompletableFuture.runAsync(() -> write(second, out, secondAt), helper);
    write(first, out, head.length);
    secondWritten.join();
    return out;
  }

  private record Item(int field, MessageLite message) {}

  private static int weight(Item i) {
    return i.field() == CheckpointImage.PROCESSES_FIELD_NUMBER ? 4 : 1;
  }

  /** Sizes (and so memoizes the sizes of) these items, as fields. */
  private static long size(List<Item> items) {
    long n = 0;
    for (Item i : items) {
      n += CodedOutputStream.computeMessageSize(i.field(), i.message());
    }
    return n;
  }

  private static void write(List<Item> items, byte[] out, int offset) {
    CodedOutputStream o = CodedOutputStream.newInstance(out, offset, out.length - offset);
    try {
      for (Item i : items) {
        o.writeMessage(i.field(), i.message());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown when writing into an array large enough
    }
  }
}
