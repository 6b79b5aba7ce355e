package io.leasecr.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.LeaseType;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.wire.ProcessSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The command line on argument vectors drawn from its own words and issue 14's values, over image and
 * scenario files that are good, damaged, missing or of the wrong kind. Commands that would start a run,
 * a journal or a cluster are left out (each input is refused before that, or is an image command).
 * Every vector exits 0, 1 or 2 with no Java on the console, and a refused one writes nothing.
 */
class CommandLineFuzzTest {

  private static final List<List<String>> COMMANDS = List.of(List.of("image", "show"), List.of("image", "edit"),
      List.of("image"), List.of("image", "nonsense"), List.of("run"), List.of("experiment"), List.of("help"),
      List.of("nonsense"));
  private static final List<String> WORDS = List.of("--remaining", "--add", "--lease", "--out", "--favor-holder",
      "--favor-breaker", "--json", "--time", "--scale", "--quiet", "--id", "-h", "--help", "real", "virtual",
      "1e30s", "+9223372036854775807ms", "-9223372036854775808", "5s", "+2s", "-2s", "45", "0", "1", "2", "-1",
      "Infinity", "1e308", "1e-9", "NaN", "", "a\nb", "x".repeat(300), "out.img", "sub/out.img", "dir", "dir/",
      "seed.img", "old.img", "cut.img", "flipped.img", "missing.img", "bad.yaml", "notutf8.yaml", "missing.yaml");

  @Provide
  Arbitrary<List<String>> argv() {
    return Arbitraries.of(COMMANDS).flatMap(cmd -> Arbitraries.of(WORDS).list().ofMaxSize(6).map(rest -> {
      List<String> all = new ArrayList<>(cmd);
      all.addAll(rest);
      return all;
    }));
  }

  @Property(seed = "20261206")
  void everyCommandLineEndsInWordsAndARefusalWritesNothing(@ForAll("argv") List<String> words) throws Exception {
    Path dir = Files.createTempDirectory("cli-fuzz");
    try {
      files(dir);
      String[] args = words.stream().map(w -> w.endsWith(".img") || w.endsWith(".yaml") || w.startsWith("dir")
          || w.startsWith("sub/") ? dir.resolve(w).toString() : w).toArray(String[]::new);
      Map<String, String> before = listing(dir);
      PrintStream out = System.out;
      PrintStream err = System.err;
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      int code;
      long start = System.nanoTime();
      try {
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        code = Main.run(args);
      } finally {
        System.setOut(out);
        System.setErr(err);
      }
      String console = o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8);
      assertThat(code).as(Arrays.toString(args) + "\n" + console).isIn(0, 1, 2);
      Statistics.collect("exit " + code);
      assertThat(console).as(Arrays.toString(args)).doesNotContain("Exception").doesNotContain("\tat ");
      assertThat((System.nanoTime() - start) / 1_000_000).as("ms").isLessThan(10_000);
      Map<String, String> after = listing(dir);
      if (code != 0) {
        assertThat(after).as("files after the refused " + Arrays.toString(args) + "\n" + console).isEqualTo(before);
      } else {
        for (Map.Entry<String, String> f : after.entrySet()) { // every image written reads back
          if (!f.getValue().equals(before.get(f.getKey())) && f.getKey().endsWith(".img")) {
            assertThat(ImageFiles.load(dir.resolve(f.getKey())).headerless()).isFalse();
          }
        }
        assertThat(after.keySet()).noneMatch(n -> n.endsWith(".tmp"));
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void files(Path dir) throws IOException {
    CheckpointImage seed = CheckpointImage.newBuilder().setMagic("LCRIMG1").setId("C1").setTakenAtMs(41_000)
        .setScenario("s").setLeaseBreakTime(45).setLeasesEnable(true)
        .addProcesses(io.leasecr.proto.image.Process.newBuilder()
            .setSpec(ProcessSpec.newBuilder().setPid(101).setPpid(1).setName("P1")).putFds(3, 7L))
        .addFiles(OpenFile.newBuilder().setId(7).setIno(11).setPath("/data/F1"))
        .addLeases(Lease.newBuilder().setFileId(7).setPid(101).setType(LeaseType.F_WRLCK).setUnlockPending(true)
            .setHasTypePrev(true).setTypePrev(LeaseType.F_WRLCK).setRemainingMs(5000))
        .build();
    byte[] file = ImageFiles.encode(seed);
    Files.write(dir.resolve("seed.img"), file);
    Files.write(dir.resolve("old.img"), seed.toByteArray());
    Files.write(dir.resolve("cut.img"), Arrays.copyOf(file, file.length - 10));
    byte[] flipped = file.clone();
    flipped[40] ^= 4;
    Files.write(dir.resolve("flipped.img"), flipped);
    Files.writeString(dir.resolve("bad.yaml"), "name: x\nend: 1e300s\n");
    Files.write(dir.resolve("notutf8.yaml"), new byte[] {'n', ':', ' ', (byte) 0xff, '\n'});
    Files.createDirectories(dir.resolve("dir"));
  }

  /** Every file under dir (relative name -> size and content hash). */
  private static Map<String, String> listing(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        m.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir"
            : Files.size(p) + ":" + Arrays.hashCode(Files.readAllBytes(p)));
      }
    }
    return m;
  }
}
