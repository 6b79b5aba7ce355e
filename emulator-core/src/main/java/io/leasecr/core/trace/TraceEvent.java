package io.leasecr.core.trace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One observable thing, at an emulated instant: the spine that timelines, expectations, traces
 * and (later) conformance and experiments all read. Field meanings are in docs/trace-format.md.
 *
 * @param t emulated time in milliseconds
 * @param kind event kind (enter, block, return, restart, signal, exit, lease, fork, kill, sysctl, locks, note)
 * @param pid process id, 0 for the kernel or the scenario
 * @param proc process name from the scenario, or "kernel" / "scenario"
 * @param step scenario step number (1-based), 0 when not caused by a step
 * @param call syscall name for syscall events, else null
 * @param args ordered arguments and details
 * @param result numeric result, or null
 * @param errno errno name, or null
 */
public record TraceEvent(
    long t, String kind, int pid, String proc, int step, String call, Map<String, Object> args, Long result,
    String errno) {

  public TraceEvent {
    args = args == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(args));
  }

  public Object arg(String name) {
    return args.get(name);
  }

  /** A note: something worth knowing that no other event shows, about {@code pid} (0: nobody), from {@code proc}. */
  public static TraceEvent note(long t, int pid, String proc, String text) {
    return new TraceEvent(t, "note", pid, proc, 0, null, args("text", text), null, null);
  }

  /** A note from the kernel (a lock manager, the process table) about {@code pid} (0: nobody). */
  public static TraceEvent kernelNote(long t, int pid, String text) {
    return note(t, pid, "kernel", text);
  }

  /** An event of the kernel's own, caused by no step and no call ({@code lease}, ...), about {@code pid}. */
  public static TraceEvent kernel(long t, String kind, int pid, Map<String, Object> args) {
    return new TraceEvent(t, kind, pid, "kernel", 0, null, args, null, null);
  }

  /** Small ordered-map builder: {@code Args.of("path", "/f", "flags", "O_RDONLY")}. */
  public static Map<String, Object> args(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }
}
