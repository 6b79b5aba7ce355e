package io.leasecr.core.scenario;

import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Checks a scenario's expectations against the trace of its run; each failure names the step and why. */
public final class Expectations {

  private Expectations() {}

  /** Exact times: what a virtual-time run must meet. */
  public static List<String> check(Scenario scenario, List<TraceEvent> events) {
    return check(scenario, events, 0);
  }

  /**
   * With a tolerance on expected times, in emulated ms: a real-time run reads the wall clock, so its
   * events land a little after their nominal instants.
   */
  public static List<String> check(Scenario scenario, List<TraceEvent> events, long toleranceMs) {
    List<String> failures = new ArrayList<>();
    for (Step step : scenario.steps()) {
      if (!step.expect().isEmpty()) {
        checkStep(scenario, step, events, failures, toleranceMs);
      }
    }
    for (Step step : scenario.steps()) {
      String where = "step " + step.number() + " (" + scenario.source() + ":" + step.line() + ", " + step.describe() + ")";
      if (step.action() instanceof Step.Checkpoint c && c.expectImage() != null) {
        CrExpectation.checkImage(where, step, c.expectImage(), events, failures);
      } else if (step.action() instanceof Step.Restart r && r.expectRetried() != null) {
        CrExpectation.checkRetried(where, step, r.expectRetried(), null, events, failures);
      }
    }
    for (EventExpectation e : scenario.expectations()) {
      checkEvent(scenario, e, events, failures, toleranceMs);
    }
    return failures;
  }

  private static boolean near(long actual, long expected, long toleranceMs) {
    return Math.abs(actual - expected) <= toleranceMs;
  }

  private static void checkStep(Scenario scenario, Step step, List<TraceEvent> events, List<String> failures,
      long toleranceMs) {
    String where = "step " + step.number() + " (" + scenario.source() + ":" + step.line() + ", " + step.describe() + ")";
    StepExpectation x = step.expect();
    if (x.locks() != null) {
      TraceEvent locks = first(events, "locks", step.number());
      @SuppressWarnings("unchecked")
      List<String> lines = locks == null ? List.of() : (List<String>) locks.arg("lines");
      if (!lines.equals(x.locks())) {
        failures.add(where + ": /proc/locks was " + show(lines) + ", expected " + show(x.locks()));
      }
    }
    if (!(step.action() instanceof Step.Call call)) {
      return;
    }
    TraceEvent enter = null;
    TraceEvent block = null;
    TraceEvent ret = null;
    for (TraceEvent e : events) {
      if (e.pid() == call.pid() && e.step() == step.number()) {
        switch (e.kind()) {
          case "enter" -> enter = enter == null ? e : enter;
          case "block" -> block = block == null ? e : block;
          case "return" -> ret = ret == null ? e : ret;
          default -> { }
        }
      }
    }
    if (enter == null) {
      failures.add(where + ": the call was never made (the process had exited or the run ended first)");
      return;
    }
    if (x.blocked() != null && x.blocked() != (block != null)) {
      failures.add(where + ": expected the call " + (x.blocked() ? "to block" : "not to block") + ", it "
          + (block != null ? "blocked at " + secs(block.t()) : "did not block"));
    }
    if (Boolean.TRUE.equals(x.stillBlocked())) {
      if (ret != null) {
        failures.add(where + ": expected the call to be still blocked at the end, it returned at " + secs(ret.t())
            + " with " + outcome(ret));
      }
      return;
    }
    boolean wantsReturn = x.result() != null || x.errno() != null || x.returnsAtMs() != null
        || !x.returned().isEmpty();
    if (ret == null) {
      if (wantsReturn || Boolean.FALSE.equals(x.stillBlocked())) {
        failures.add(where + ": expected the call to return, it was still blocked when the run ended");
      }
      return;
    }
    if (x.errno() != null) {
      Errno got = ret.errno() == null ? null : Errno.parse(ret.errno());
      if (!x.errno().sameAs(got)) {
        failures.add(where + ": expected " + x.errno() + ", got " + outcome(ret));
      }
    } else if (x.result() != null && (ret.errno() != null || !Objects.equals(ret.result(), x.result()))) {
      failures.add(where + ": expected result " + x.result() + ", got " + outcome(ret));
    }
    for (Map.Entry<String, String> want : x.returned().entrySet()) {
      Object got = ret.arg(want.getKey());
      String shown = got == null && want.getKey().equals("fd") ? "-1" : String.valueOf(got);
      if (!want.getValue().equals(shown)) {
        failures.add(where + ": expected " + want.getKey() + " " + want.getValue() + ", got " + shown + " ("
            + outcome(ret) + ")");
      }
    }
    if (x.returnsAtMs() != null && !near(ret.t(), x.returnsAtMs(), toleranceMs)) {
      failures.add(where + ": expected to return at " + secs(x.returnsAtMs()) + ", returned at " + secs(ret.t()));
    }
  }

  private static void checkEvent(Scenario scenario, EventExpectation x, List<TraceEvent> events, List<String> failures,
      long toleranceMs) {
    String where = "expectation at " + scenario.source() + ":" + x.line();
    List<TraceEvent> matching = new ArrayList<>();
    for (TraceEvent e : events) {
      if (e.pid() != x.pid()) {
        continue;
      }
      boolean kindMatches = switch (x.kind()) {
        case SIGNAL -> e.kind().equals("signal") && Signals.name(x.signo()).equals(e.arg("signal"))
            && (x.code() == null || x.code().equals(String.valueOf(e.arg("code"))))
            && (x.fd() == null || x.fd() == (e.arg("fd") instanceof Number n ? n.intValue() : -1));
        case EXIT -> e.kind().equals("exit") && (x.signo() != 0
            ? Signals.name(x.signo()).equals(e.arg("signal"))
            : Objects.equals(e.arg("status"), x.status()));
      };
      if (kindMatches) {
        matching.add(e);
      }
    }
    String what = x.kind() == EventExpectation.Kind.SIGNAL
        ? x.proc() + " gets " + Signals.name(x.signo()) + (x.code() == null ? "" : " with si_code " + x.code())
            + (x.fd() == null ? "" : " and si_fd " + x.fd())
        : x.proc() + " exits " + (x.signo() != 0 ? "killed by " + Signals.name(x.signo()) : "with status " + x.status());
    if (x.count() != null && matching.size() != x.count()) {
      failures.add(where + ": expected " + what + " " + x.count() + " time(s), it happened " + matching.size()
          + " time(s)" + times(matching));
      return;
    }
    if (x.count() == null && matching.isEmpty()) {
      failures.add(where + ": expected " + what + ", it never happened");
      return;
    }
    if (x.atMs() != null && matching.stream().noneMatch(e -> near(e.t(), x.atMs(), toleranceMs))) {
      failures.add(where + ": expected " + what + " at " + secs(x.atMs()) + ", it happened" + times(matching));
    }
  }

  private static String times(List<TraceEvent> events) {
    if (events.isEmpty()) {
      return "";
    }
    return " at " + String.join(", ", events.stream().map(e -> secs(e.t())).toList());
  }

  private static TraceEvent first(List<TraceEvent> events, String kind, int step) {
    for (TraceEvent e : events) {
      if (e.kind().equals(kind) && e.step() == step) {
        return e;
      }
    }
    return null;
  }

  private static String outcome(TraceEvent ret) {
    return ret.errno() != null ? "-1 " + ret.errno() : String.valueOf(ret.result());
  }

  private static String show(List<String> lines) {
    return lines.isEmpty() ? "empty" : "[" + String.join(" | ", lines) + "]";
  }

  static String secs(long ms) {
    // events before a drill's first step have negative times: -1.250s, not -1.-250s
    return String.format("%s%d.%03ds", ms < 0 ? "-" : "", Math.abs(ms) / 1000, Math.abs(ms) % 1000);
  }
}
