package io.leasecr.node.bench;

import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The same cycle on the real kernel: native/lease_cycle.c, built with gcc, run for a number of cycles. */
final class KernelCycles {

  private static final Pattern LINE = Pattern.compile("kernel_cycles=(\\d+) seconds=([0-9.]+) cycles_per_sec=([0-9.]+)");

  record Result(long cycles, double seconds, double perSecond) {}

  private KernelCycles() {}

  /** Empty, with the reason in {@code why}, when this machine cannot run it (not Linux, no gcc, no leases). */
  static Optional<Result> run(long cycles, StringBuilder why) {
    return run(cycles, why, false);
  }

  /** {@code pinned}: both processes on CPU 0 ({@code taskset -c 0}: the cycle's two processes never migrate). */
  static Optional<Result> run(long cycles, StringBuilder why, boolean pinned) {
    try {
      Path binary = NativeProgram.build("lease_cycle");
      java.util.List<String> command = new java.util.ArrayList<>();
      if (pinned) {
        command.addAll(java.util.List.of("taskset", "-c", "0"));
      }
      command.add(binary.toString());
      command.add(String.valueOf(cycles));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.MINUTES);
      Matcher m = LINE.matcher(out);
      if (!m.find()) {
        why.append("lease_cycle failed: ").append(out.strip());
        return Optional.empty();
      }
      return Optional.of(new Result(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)),
          Double.parseDouble(m.group(3))));
    } catch (NativeProgram.Unavailable e) {
      why.append(e.getMessage());
    } catch (IOException e) {
      why.append("cannot run lease_cycle: ").append(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why.append("interrupted");
    }
    return Optional.empty();
  }
}
