package io.leasecr.core.scenario;

import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Expectations on checkpoint/restart itself: the fields a checkpoint image keeps of a lease (the seed's
 * fl_type_prev, fl_break_notified and remaining time), and which sleeping calls a restart retried with
 * -ERESTARTSYS. Null fields are not checked.
 */
public final class CrExpectation {

  private CrExpectation() {}

  /**
   * One lease of the image, found by its holder (and path, if given). {@code typePrevNone}: the image must
   * have no fl_type_prev (the lease was not being broken).
   */
  public record ImageLease(int line, String holder, int pid, String path, LeaseType type, LeaseType target,
      LeaseType typePrev, boolean typePrevNone, Boolean breakNotified, Long remainingMs) {}

  /** The trace event a checkpoint with image expectations adds: the image's leases, field by field. */
  public static Map<String, Object> leaseArgs(String path, int pid, String type, String target, String typePrev,
      boolean breakNotified, long remainingMs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("pid", pid);
    m.put("type", type);
    m.put("target", target);
    m.put("typePrev", typePrev == null ? "none" : typePrev);
    m.put("breakNotified", breakNotified);
    m.put("remainingMs", remainingMs);
    return m;
  }

  /** Failures of a checkpoint step's image expectations, against its "image" trace event. */
  @SuppressWarnings("unchecked")
  static void checkImage(String where, Step step, List<ImageLease> expected, List<TraceEvent> events,
      List<String> failures) {
    TraceEvent image = null;
    for (TraceEvent e : events) {
      if (e.kind().equals("image") && e.step() == step.number()) {
        image = e;
        break;
      }
    }
    if (image == null) {
      failures.add(where + ": the checkpoint was never taken");
      return;
    }
    List<Map<String, Object>> leases = (List<Map<String, Object>>) image.arg("leases");
    for (ImageLease x : expected) {
      Map<String, Object> got = null;
      for (Map<String, Object> l : leases) {
        if (((Number) l.get("pid")).intValue() == x.pid() && (x.path() == null || x.path().equals(l.get("path")))) {
          got = l;
          break;
        }
      }
      String what = where + ": the image's lease of " + x.holder() + (x.path() != null ? " on " + x.path() : "");
      if (got == null) {
        failures.add(what + " is not in the image");
        continue;
      }
      List<String> bad = new ArrayList<>();
      compare(bad, "type", x.type() == null ? null : x.type().procName, got.get("type"));
      compare(bad, "target", x.target() == null ? null : x.target().procName, got.get("target"));
      if (x.typePrevNone()) {
        compare(bad, "typePrev", "none", got.get("typePrev") == null ? "none" : got.get("typePrev"));
      } else {
        compare(bad, "typePrev", x.typePrev() == null ? null : x.typePrev().procName,
            got.get("typePrev") == null ? "none" : got.get("typePrev"));
      }
      compare(bad, "breakNotified", x.breakNotified(), got.get("breakNotified"));
      if (x.remainingMs() != null) {
        long r = ((Number) got.get("remainingMs")).longValue();
        compare(bad, "remaining", remaining(x.remainingMs()), remaining(r));
      }
      if (!bad.isEmpty()) {
        failures.add(what + " (line " + x.line() + "): " + String.join(", ", bad));
      }
    }
  }

  /** Failures of a restart step's {@code retried:} list, against the -ERESTARTSYS events after it. */
  static void checkRetried(String where, Step step, List<String> expected, Map<String, Integer> pids,
      List<TraceEvent> events, List<String> failures) {
    List<String> got = new ArrayList<>();
    boolean after = false;
    for (TraceEvent e : events) {
      if (e.kind().equals("restart") && e.pid() == 0) {
        if (after) {
          break; // the next restart's retries are its own
        }
        after = e.step() == step.number();
        continue;
      }
      if (after && e.kind().equals("restart") && "restore".equals(e.arg("after")) && !got.contains(e.proc())) {
        got.add(e.proc());
      }
    }
    List<String> want = new ArrayList<>(expected);
    want.sort(null);
    got.sort(null);
    if (!want.equals(got)) {
      failures.add(where + ": expected the restart to retry the sleeping calls of " + show(want)
          + " with -ERESTARTSYS, it retried those of " + show(got));
    }
  }

  private static String show(List<String> l) {
    return l.isEmpty() ? "no process" : String.join(", ", l);
  }

  private static String remaining(long ms) {
    return ms < 0 ? "no deadline" : Expectations.secs(ms);
  }

  private static void compare(List<String> bad, String field, Object want, Object got) {
    if (want != null && !Objects.equals(String.valueOf(want), String.valueOf(got))) {
      bad.add(field + " was " + got + ", expected " + want);
    }
  }
}
