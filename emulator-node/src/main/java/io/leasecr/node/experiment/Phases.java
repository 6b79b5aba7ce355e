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
  private final boolean measureLive;
  private final Map<String, Long> live = new LinkedHashMap<>();
  private long measuringNanos;

  public Phases() {
    this(false);
  }

  /**
   * {@code measureLive}: on entering collect (the tree at the cut, every file open, the breaks under way) and
   * idle (the restored tree running), collect the whole heap and record what is left, the live set; the
   * collection's time counts in no phase ({@link #measuringMillis}).
   */
  public Phases(boolean measureLive) {
    this.measureLive = measureLive;
  }

  /** Live heap bytes measured on entering {@code phase} (collect or idle), or -1. */
  public long liveBytes(String phase) {
    return live.getOrDefault(phase, -1L);
  }

  /** Wall milliseconds of the full collections for {@link #liveBytes}, in no phase. */
  public double measuringMillis() {
    return measuringNanos / 1e6;
  }

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
    if (measureLive && (name.equals("collect") || name.equals("idle")) && !live.containsKey(name)) {
      System.gc();
      java.lang.management.MemoryUsage heap =
          java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      live.put(name, heap.getUsed());
      long after = System.nanoTime();
      measuringNanos += after - now;
      since = after;
      cpuSince = THREADS.getCurrentThreadCpuTime();
    }
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
