package io.leasecr.node.criu;

import io.leasecr.core.locks.CriuTypeGuess;
import io.leasecr.node.config.LeaseCrConfig;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CRIU this machine can run: {@code $LEASE_CR_CRIU}, or the one third_party/criu/build.sh built from the pinned
 * source (looked for from the working directory upwards). Debian's packaged CRIU is not used: 3.17 does not
 * start on recent kernels (vDSO), and the comparison is with the pinned version.
 */
public final class CriuBinary {

  /** The version third_party/criu pins. */
  public static final String VERSION = "4.2";

  private CriuBinary() {}

  /** Where build.sh --fixed-guess puts CRIU 4.2 with patches/lease-type-guess.patch. */
  static final String FIXED_GUESS_DIR = "criu-" + VERSION + "-fixed-guess";

  /** The binary, checked with {@code criu check}, or an exception saying what is missing. */
  public static Path find() throws NativeProgram.Unavailable {
    return find(CriuTypeGuess.FILE_TYPE);
  }

  /**
   * The binary to compare criu mode under {@code guess} with: {@code $LEASE_CR_CRIU} (lease-cr.criu.binary) if
   * set, whatever the guess (the user says which CRIU it is); else build.sh's 4.2 for file-type and its
   * {@code --fixed-guess} build for open-mode.
   */
  public static Path find(CriuTypeGuess guess) throws NativeProgram.Unavailable {
    String env = LeaseCrConfig.load().string("lease-cr.criu.binary");
    boolean fixed = guess == CriuTypeGuess.OPEN_MODE;
    Path bin = !env.isBlank() ? Path.of(env) : built(fixed ? FIXED_GUESS_DIR : "criu-" + VERSION);
    if (bin == null) {
      throw new NativeProgram.Unavailable(fixed
          ? "CRIU " + VERSION + " with the open-mode type guess is not built: run bash third_party/criu/build.sh "
              + "--fixed-guess (or set LEASE_CR_CRIU to a criu binary)"
          : "CRIU " + VERSION + " is not built: run bash third_party/criu/build.sh "
              + "(or set LEASE_CR_CRIU to a criu binary)");
    }
    if (!Files.isExecutable(bin)) {
      throw new NativeProgram.Unavailable(bin + " is not an executable CRIU");
    }
    String[] check = run(List.of(bin.toString(), "check"));
    if (!check[0].equals("0")) {
      throw new NativeProgram.Unavailable("'" + bin + " check' fails on this machine: " + lastLine(check[1]));
    }
    return bin;
  }

  private static Path built(String dir) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve("third_party/criu/build/" + dir + "/criu/criu");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Exit code and output (stdout and stderr) of a command, at most 60 s. */
  static String[] run(List<String> command) throws NativeProgram.Unavailable {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new NativeProgram.Unavailable(String.join(" ", command) + " did not end in 60 s");
      }
      return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    } catch (IOException e) {
      throw new NativeProgram.Unavailable("cannot run " + command.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NativeProgram.Unavailable("interrupted");
    }
  }

  static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines.length == 0 ? "" : lines[lines.length - 1].strip();
  }
}
