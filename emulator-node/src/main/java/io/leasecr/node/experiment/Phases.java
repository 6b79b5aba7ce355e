package io.leasecr.node.experiment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time per phase of one run, from the runner's {@code TraceSink.phase} calls (spawn, run, collect,
 * build, serialize, commit, read, restore, idle): what `emulator bench tree` prints. Written on the run's
 * loop thread only, read after the run.
 */
public final class Phases {

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private final Map<String, Long> nanos = new LinkedHashMap<>();
  private final Map<String, Long> cpuNanos = new LinkedHashMap<>();
  private String current;
  private long since;
  private long cpuSince;
  private long imageBytes;

  /** The checkpoint image's size (the first checkpoint's). */
  void imageBytes(long bytes) {
    if (imageBytes == 0) {
      imageBytes = bytes;
    }
  }

  public long imageBytes() {
    return imageBytes;
  }

  /** The run entered {@code name} now. */
  public void enter(String name) {
    long now = System.nanoTime();
    long cpu = THREADS.getCurrentThreadCpuTime(); // the loop's: every phase runs on it
    if (current != null) {
      nanos.merge(current, now - since, Long::sum);
      cpuNanos.merge(current, cpu - cpuSince, Long::sum);
    }
    current = name.equals("done") ? null : name;
    since = now;
    cpuSince = cpu;
  }

  /** Milliseconds spent in {@code name} (0 if the run never entered it). */
  public double millis(String name) {
    return nanos.getOrDefault(name, 0L) / 1e6;
  }

  /** CPU milliseconds the run's loop thread spent in {@code name} (load on the machine does not count). */
  public double cpuMillis(String name) {
    return cpuNanos.getOrDefault(name, 0L) / 1e6;
  }

  public Map<String, Long> nanos() {
    return Map.copyOf(nanos);
  }
}
