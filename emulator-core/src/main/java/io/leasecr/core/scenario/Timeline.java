package io.leasecr.core.scenario;

import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import java.util.Map;

/** Renders a trace as a readable, strace-like timeline with emulated timestamps. */
public final class Timeline {

  private Timeline() {}

  public static String render(List<TraceEvent> events) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < events.size(); i++) {
      TraceEvent e = events.get(i);
      if (e.kind().equals("return") && merged(events, i)) {
        continue;
      }
      String who = e.pid() == 0 || e.proc().equals("kernel") ? e.proc() : e.proc() + "[" + e.pid() + "]";
      out.append(String.format("%10s  %-10s %s%n", Expectations.secs(e.t()), who, text(events, i)));
    }
    return out.toString();
  }

  /** A return printed on its call's line: same instant, nothing of that process in between. */
  private static boolean merged(List<TraceEvent> events, int returnIndex) {
    TraceEvent ret = events.get(returnIndex);
    for (int j = returnIndex - 1; j >= 0; j--) {
      TraceEvent e = events.get(j);
      if (e.pid() == ret.pid() && e.proc().equals(ret.proc())) {
        return e.kind().equals("enter") && e.step() == ret.step() && e.t() == ret.t()
            && e.call().equals(ret.call());
      }
    }
    return false;
  }

  private static int nextOfSameProcess(List<TraceEvent> events, int i) {
    TraceEvent e = events.get(i);
    for (int j = i + 1; j < events.size(); j++) {
      if (events.get(j).pid() == e.pid() && events.get(j).proc().equals(e.proc())) {
        return j;
      }
    }
    return -1;
  }

  private static String text(List<TraceEvent> events, int i) {
    TraceEvent e = events.get(i);
    Map<String, Object> a = e.args();
    return switch (e.kind()) {
      case "enter" -> {
        String call = call(e);
        int r = nextOfSameProcess(events, i);
        if (r > 0 && events.get(r).kind().equals("return") && merged(events, r)) {
          yield call + " = " + outcome(events.get(r)) + step(e);
        }
        yield call + " ..." + step(e);
      }
      case "block" -> "... " + e.call() + " blocked" + step(e);
      case "return" -> "<... " + e.call() + " resumed> = " + outcome(e)
          + (a.containsKey("blockedMs") ? "   (blocked " + Expectations.secs(((Number) a.get("blockedMs")).longValue()) + ")" : "")
          + step(e);
      case "restart" -> e.pid() == 0
          ? "restart from checkpoint " + a.get("id") + " (taken at " + Expectations.secs(((Number) a.get("checkpointAt")).longValue())
              + "): " + a.get("processes") + ", policy " + a.get("policy") + ", " + a.get("mode") + " semantics"
              + (a.containsKey("typeGuess") ? " (" + a.get("typeGuess") + " type guess)" : "") + step(e)
          : "restore".equals(a.get("after"))
              ? e.call() + "(...) restarted after restore (-ERESTARTSYS)" + step(e)
              : "... " + e.call() + " interrupted and restarted (SA_RESTART)" + step(e);
      case "checkpoint" -> "checkpoint " + a.get("id") + ": " + a.get("processes") + " processes, " + a.get("leases")
          + " leases, " + a.get("bytes") + " bytes" + (a.containsKey("image") ? " -> " + a.get("image") : "")
          + "; tree " + a.get("tree") + step(e);
      case "restored" -> "restore of " + a.get("id") + " done after " + a.get("restoreMs") + " ms ("
          + a.get("processes") + " processes, " + a.get("busyThreads") + " busy threads): the tree runs again";
      case "pending" -> "--- " + a.get("signal") + " {si_code=" + a.get("code")
          + (a.containsKey("fd") ? ", si_fd=" + a.get("fd") : "") + "} --- "
          + (Boolean.TRUE.equals(a.get("merged")) ? "blocked, already pending: merged" : "pending (blocked, or waited for)");
      case "signal" -> "--- " + a.get("signal") + " {si_code=" + a.get("code")
          + (a.containsKey("fd") ? ", si_fd=" + a.get("fd") : "") + "} --- " + a.get("action");
      case "reaction" -> "handler for " + a.get("signal") + ": " + a.get("action") + " fd " + a.get("fd");
      case "exit" -> a.containsKey("signal") ? "+++ killed by " + a.get("signal") + " +++"
          : "+++ exited with " + a.get("status") + " +++";
      case "lease" -> "lease " + a.get("path") + " (holder " + e.pid() + "): " + a.get("change")
          + (a.get("type").equals("UNLCK") ? ", lease removed" : ", now " + a.get("type")
              + (a.get("target").equals(a.get("type")) ? "" : " -> " + a.get("target")))
          + (a.containsKey("deadline") ? ", deadline " + Expectations.secs(((Number) a.get("deadline")).longValue()) : "");
      case "kill" -> "kill(" + a.get("target") + "[" + a.get("targetPid") + "], " + a.get("signal") + ")" + step(e);
      case "sysctl" -> "sysctl " + a.get("name") + " = " + a.get("value") + step(e);
      case "locks" -> locks(e);
      case "image" -> "image " + a.get("id") + ": " + a.get("leases") + step(e);
      default -> String.valueOf(a.getOrDefault("text", a));
    };
  }

  private static String call(TraceEvent e) {
    Map<String, Object> a = e.args();
    return switch (e.call()) {
      case "open" -> "open(\"" + a.get("path") + "\", " + a.get("flags") + ")";
      case "truncate" -> "truncate(\"" + a.get("path") + "\")";
      case "fcntl" -> a.containsKey("type")
          ? "fcntl(" + a.get("fd") + ", " + a.get("cmd") + ", {" + a.get("type") + ", start " + a.get("start") + ", len "
              + a.get("len") + (a.containsKey("pid") ? ", pid " + a.get("pid") : "") + "})"
          : "fcntl(" + a.get("fd") + ", " + a.get("cmd") + (a.containsKey("arg") ? ", " + a.get("arg") : "") + ")";
      case "flock" -> "flock(" + a.get("fd") + ", " + a.get("op") + ")";
      case "dup2" -> "dup2(" + a.get("fd") + ", " + a.get("newfd") + ")";
      case "dup3" -> "dup3(" + a.get("fd") + ", " + a.get("newfd") + ", " + a.get("flags") + ")";
      case "execve" -> "execve(self)";
      case "fork" -> "fork() [child " + a.get("child") + "]";
      case "sigaction" -> "sigaction(" + a.get("signal") + ", " + a.get("action") + ")";
      case "exit" -> "exit(" + a.get("status") + ")";
      case "sigprocmask" -> "sigprocmask(" + a.get("how") + ", " + a.get("set") + ")";
      case "sigtimedwait" -> "sigtimedwait(" + a.get("set") + ", " + a.get("timeout") + " ms)";
      case "sigwaitinfo" -> "sigwaitinfo(" + a.get("set") + ")";
      default -> e.call() + "(" + a.get("fd") + ")";
    };
  }

  private static String outcome(TraceEvent ret) {
    if (ret.errno() == null && ret.args().containsKey("code")) { // a signal taken by sigtimedwait: its siginfo
      return ret.result() + " {" + io.leasecr.core.locks.Signals.name(ret.result().intValue()) + ", si_code="
          + ret.arg("code") + (ret.arg("fd") != null ? ", si_fd=" + ret.arg("fd") : "") + "}";
    }
    if (ret.errno() == null && ret.args().containsKey("l_pid")) { // F_GETLK: the struct flock it handed back
      io.leasecr.core.locks.LeaseType t = io.leasecr.core.locks.LeaseType.ofValue(ret.result());
      return (t == null ? String.valueOf(ret.result()) : t.fcntlName()) + " {l_whence=" + ret.arg("l_whence")
          + ", l_start=" + ret.arg("l_start") + ", l_len=" + ret.arg("l_len") + ", l_pid=" + ret.arg("l_pid") + "}";
    }
    return ret.errno() != null ? "-1 " + ret.errno() : String.valueOf(ret.result());
  }

  private static String step(TraceEvent e) {
    return e.step() > 0 ? "   [step " + e.step() + "]" : "";
  }

  private static String locks(TraceEvent e) {
    @SuppressWarnings("unchecked")
    List<String> lines = (List<String>) e.arg("lines");
    String head = e.step() > 0 ? "/proc/locks" + step(e) : "/proc/locks at the end";
    if (lines.isEmpty()) {
      return head + ": (empty)";
    }
    StringBuilder b = new StringBuilder(head).append(':');
    for (String l : lines) {
      b.append(System.lineSeparator()).append("                        ").append(l);
    }
    return b.toString();
  }
}
