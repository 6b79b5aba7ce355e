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

  /** {@code cpuSeconds}: user + system time of the two processes (bash's {@code times}), NaN if unknown. */
  record Result(long cycles, double seconds, double perSecond, double cpuSeconds) {
    double perCpuSecond() {
      return cycles / cpuSeconds;
    }
  }

  private static final Pattern TIMES = Pattern.compile("(?m)^(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s$");

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
      // bash's times: the CPU time of its children (the two processes), which the machine's load does not inflate
      command.addAll(java.util.List.of("bash", "-c", "\"$0\" \"$1\" && times", binary.toString(),
          String.valueOf(cycles)));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.MINUTES);
      Matcher m = LINE.matcher(out);
      if (!m.find()) {
        why.append("lease_cycle failed: ").append(out.strip());
        return Optional.empty();
      }
      double cpu = Double.NaN;
      Matcher t = TIMES.matcher(out);
      if (t.find() && t.find()) { // the second line: the children's user and system time
        cpu = Long.parseLong(t.group(1)) * 60 + Double.parseDouble(t.group(2)) + Long.parseLong(t.group(3)) * 60
            + Double.parseDouble(t.group(4));
      }
      return Optional.of(new Result(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)),
          Double.parseDouble(m.group(3)), cpu));
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
