package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.input.Durations;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The image decoder on corrupted files (cut, flipped, overwritten, padded, doubled; with a header and
 * headerless) and on images with out-of-range fields: every input is refused naming the file, or decodes
 * to an image that passes every field check; nothing else is thrown.
 */
class ImageFuzzTest {

  private static final byte[] FILE = ImageFiles.encode(ImageFilesTest.seed());
  private static final byte[] OLD = ImageFilesTest.seed().toByteArray();

  record Damage(int kind, int at, int value) {
    byte[] apply(byte[] b) {
      int i = Math.floorMod(at, Math.max(1, b.length));
      return switch (kind) {
        case 0 -> Arrays.copyOf(b, i); // cut
        case 1 -> { // flip bits
          byte[] c = b.clone();
          if (c.length > 0) {
            c[i] ^= (byte) (value | 1);
          }
          yield c;
        }
        case 2 -> { // overwrite a byte
          byte[] c = b.clone();
          if (c.length > 0) {
            c[i] = (byte) value;
          }
          yield c;
        }
        case 3 -> { // junk in front
          byte[] c = new byte[b.length + 1 + Math.floorMod(value, 16)];
          Arrays.fill(c, 0, c.length - b.length, (byte) value);
          System.arraycopy(b, 0, c, c.length - b.length, b.length);
          yield c;
        }
        case 4 -> { // the file twice
          byte[] c = Arrays.copyOf(b, 2 * b.length);
          System.arraycopy(b, 0, c, b.length, b.length);
          yield c;
        }
        default -> { // a byte inserted
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, i);
          c[i] = (byte) value;
          System.arraycopy(b, i, c, i + 1, b.length - i);
          yield c;
        }
      };
    }
  }

  @Provide
  Arbitrary<byte[]> damagedFiles() {
    Arbitrary<Damage> damage = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers(),
        Arbitraries.integers().between(0, 255)).as(Damage::new);
    return Combinators.combine(Arbitraries.of(FILE, OLD), damage.list().ofMinSize(1).ofMaxSize(3)).as((b, ds) -> {
      byte[] c = b;
      for (Damage d : ds) {
        c = d.apply(c);
      }
      return c;
    });
  }

  @Property(seed = "20261206")
  void damagedFilesAreRefusedOrDecodeToACheckedImage(@ForAll("damagedFiles") byte[] bytes) {
    decodesOrIsRefused(bytes);
  }

  @Property(seed = "20261206")
  void randomBytesAreRefused(@ForAll byte[] bytes) {
    decodesOrIsRefused(bytes);
  }

  /** One field of the seed image set to an arbitrary value. */
  @Provide
  Arbitrary<CheckpointImage> oddImages() {
    CheckpointImage seed = ImageFilesTest.seed();
    Arbitrary<Long> longs = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(-2L, -1L, 0L, Durations.MAX_MS,
        Durations.MAX_MS + 1, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1));
    Arbitrary<Integer> ints = Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.of(-1, 0, 3, 4, 4_194_305));
    return Arbitraries.oneOf(
        longs.map(v -> seed.toBuilder().setLeases(0, seed.getLeases(0).toBuilder().setRemainingMs(v)).build()),
        longs.map(v -> seed.toBuilder().setTakenAtMs(v).build()),
        longs.map(v -> seed.toBuilder().setLeaseBreakTime(v).build()),
        longs.map(v -> seed.toBuilder().setLeases(0, seed.getLeases(0).toBuilder().setFileId(v)).build()),
        ints.map(v -> seed.toBuilder().setLeases(0, seed.getLeases(0).toBuilder().setTypeValue(v)).build()),
        ints.map(v -> seed.toBuilder().setLeases(0, seed.getLeases(0).toBuilder().setPid(v)).build()),
        ints.map(v -> seed.toBuilder().setFiles(0, seed.getFiles(0).toBuilder().setModeValue(v)).build()),
        ints.map(v -> seed.toBuilder().setProcesses(1, seed.getProcesses(1).toBuilder()
            .setSpec(seed.getProcesses(1).getSpec().toBuilder().setPid(v))).build()),
        longs.map(v -> seed.toBuilder().setProcesses(0, seed.getProcesses(0).toBuilder()
            .setReactions(0, seed.getProcesses(0).getReactions(0).toBuilder().setRemainingMs(v))).build()),
        longs.map(v -> seed.toBuilder().setProcesses(0, seed.getProcesses(0).toBuilder().putFds(5, v)).build()));
  }

  @Property(seed = "20261206")
  void oddFieldValuesAreRefusedNamingTheFieldOrAreInRange(@ForAll("oddImages") CheckpointImage image) {
    try {
      CheckpointImage back = ImageFiles.decode("t.img", ImageFiles.encode(image)).image();
      assertThat(back).isEqualTo(image);
      inRange(back);
    } catch (ImageFiles.BadImage e) {
      assertThat(e.getMessage()).startsWith("t.img: invalid image: ")
          .containsAnyOf("remaining_ms", "taken_at_ms", "lease_break_time", "file_id", ".type = ", "pid", ".mode = ",
              "fds[5]");
    }
  }

  private static void decodesOrIsRefused(byte[] bytes) {
    try {
      inRange(ImageFiles.decode("t.img", bytes).image());
      Statistics.collect("decoded");
    } catch (ImageFiles.BadImage e) {
      Statistics.collect("refused");
      assertThat(e.getMessage()).startsWith("t.img: ").doesNotContain("Exception").hasSizeLessThan(600);
    }
  }

  /** What restart relies on in an image that passed. */
  private static void inRange(CheckpointImage image) {
    assertThat(image.getTakenAtMs()).isBetween(0L, Durations.MAX_MS);
    for (Lease l : image.getLeasesList()) {
      assertThat(l.getRemainingMs()).isBetween(-1L, Durations.MAX_MS);
      assertThat(l.getType()).isNotEqualTo(io.leasecr.proto.image.LeaseType.UNRECOGNIZED);
    }
    assertThat(ImageCheck.problem(image)).isNull();
  }
}
