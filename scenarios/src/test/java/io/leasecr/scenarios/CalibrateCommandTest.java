package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.node.calibrate.Calibration;
import io.leasecr.node.cli.Main;
import io.leasecr.node.linux.NativeProgram;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * `emulator calibrate`: a quick calibration on this kernel writes a restart-cost.conf with every key of the
 * shipped one, positive values, this machine's cores and a source naming the machine. Skipped where the
 * kernel side cannot run (not Linux, no gcc, leases disabled), except under CI, which provides it.
 */
@UsesConsole
class CalibrateCommandTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  private static void requireKernelSide() {
    try {
      Calibration.helper();
    } catch (NativeProgram.Unavailable e) {
      if (System.getenv("CI") != null) {
        fail("CI provides Linux, gcc and leases, yet calibrate cannot run: " + e.getMessage());
      }
      Assumptions.abort("kernel side unavailable here: " + e.getMessage());
    }
  }

  private static String shipped() throws Exception {
    try (InputStream in = Main.class.getResourceAsStream("/restart-cost.conf")) {
      assertThat(in).as("restart-cost.conf on the classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void quickCalibrationWritesAUsableRestartCostFile() throws Exception {
    requireKernelSide();
    Path out = tmp.resolve("restart-cost.conf");
    int code = Main.run(new String[] {"calibrate", "--quick", "--out", out.toString()});
    assertThat(code).as(output.out() + output.err()).isZero();

    Config written = ConfigFactory.parseFile(out.toFile()).getConfig("restart-cost");
    Config reference = ConfigFactory.parseString(shipped()).getConfig("restart-cost");
    Set<String> keys = reference.root().keySet();
    assertThat(written.root().keySet()).containsExactlyInAnyOrderElementsOf(keys);
    for (String key : keys) {
      if (!key.equals("source")) {
        double v = written.getDouble(key);
        assertThat(Double.isFinite(v) && v > 0).as("%s = %s", key, v).isTrue();
      }
    }
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(written.getInt("parallelism")).isEqualTo(cores);
    String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    assertThat(written.getString("source")).contains("emulator calibrate").contains(cores + " cores")
        .contains("Linux " + kernel);

    String text = Files.readString(out);
    // the same explanatory block as the shipped file, then the provenance header
    String preamble = shipped().lines().limit(9).collect(Collectors.joining("\n"));
    assertThat(text).startsWith(preamble);
    assertThat(text).contains("# Calibrated by `emulator calibrate --quick --out " + out + "`")
        .contains("# machine: " + cores + " cores, Linux " + kernel).contains("R^2 = ");
    // the table of measured against fitted times, and progress while measuring
    assertThat(output.out()).contains("median ms").contains("fitted ms").contains("wrote " + out);
    assertThat(output.err()).contains("calibrate: [ 1/");
  }

  @Test
  void badArgumentsExitTwoWithTheReason() {
    Map<List<String>, String> cases = Map.of(
        List.of("--busy", "x"), "Invalid value for option '--busy' (K): 'x' is not a whole number",
        List.of("--busy", "-1"), "--busy must be from 0 to 256, got -1",
        List.of("--max-processes", "0"), "--max-processes must be from 4 to 10000",
        List.of("--repetitions", "1"), "--repetitions must be from 2 to 1000",
        List.of("--repetitions", "many"), "'many' is not a whole number",
        List.of("--lease-type", "exclusive"), "expected one of [read, write]",
        List.of("--out", "/no/such/dir/restart-cost.conf"), "--out /no/such/dir/restart-cost.conf: no directory /no/such/dir",
        List.of("--frobnicate"), "Unknown option: '--frobnicate'",
        List.of("extra"), "emulator calibrate: unexpected argument 'extra'");
    cases.forEach((args, message) -> {
      output.reset();
      String[] argv = java.util.stream.Stream.concat(java.util.stream.Stream.of("calibrate"), args.stream())
          .toArray(String[]::new);
      assertThat(Main.run(argv)).as(String.join(" ", args)).isEqualTo(2);
      assertThat(output.err()).as(String.join(" ", args)).contains(message);
      assertThat(output.out()).isEmpty();
    });
  }
}
