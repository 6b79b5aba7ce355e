package io.leasecr.node.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The same cycle on the real kernel: builds bench/native/lease_cycle.c with gcc and runs it. */
final class KernelCycles {

  private static final Pattern LINE = Pattern.compile("kernel_cycles=(\\d+) seconds=([0-9.]+) cycles_per_sec=([0-9.]+)");

  record Result(long cycles, double seconds, double perSecond) {}

  private KernelCycles() {}

  /** Empty, with the reason printed, when this machine cannot run it (not Linux, no gcc, no leases). */
  static Optional<Result> run(Path source, Path workDir, long cycles, StringBuilder why) {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      why.append("not Linux");
      return Optional.empty();
    }
    if (!Files.isRegularFile(source)) {
      why.append("C source not found at ").append(source.toAbsolutePath());
      return Optional.empty();
    }
    try {
      workDir = Files.createDirectories(workDir).toAbsolutePath();
      source = source.toAbsolutePath();
      Path binary = workDir.resolve("lease_cycle");
      String build = exec(workDir, 120, "gcc", "-O2", "-o", binary.toString(), source.toString());
      if (build == null || !Files.isExecutable(binary)) {
        why.append("gcc failed or is missing").append(build == null ? "" : ": " + build.strip());
        return Optional.empty();
      }
      String out = exec(workDir, 600, binary.toString(), String.valueOf(cycles));
      Matcher m = out == null ? null : LINE.matcher(out);
      if (m == null || !m.find()) {
        why.append("lease_cycle failed: ").append(out == null ? "no output" : out.strip());
        return Optional.empty();
      }
      return Optional.of(new Result(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)),
          Double.parseDouble(m.group(3))));
    } catch (IOException e) {
      why.append(e.getMessage());
      return Optional.empty();
    }
  }

  /** Runs a command; returns its output, or null if it could not start or exited non-zero. */
  private static String exec(Path dir, int timeoutSeconds, String... command) {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      String text = new String(out, StandardCharsets.UTF_8);
      return p.exitValue() == 0 ? text : (command[0].equals("gcc") ? null : text);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
