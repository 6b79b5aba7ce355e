package io.leasecr.node.conform;

import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Compares an emulator trace with a kernel trace of the same scenario: per process, the sequence of
 * syscall entries and returns (results, errno names), signals, reactions and exits must agree, and
 * each pair's times must be within the scale's tolerance; /proc/locks snapshots must list the same
 * leases. Differences print as a side-by-side diff.
 */
public final class TraceComparison {

  private static final Set<String> COMPARED = Set.of("enter", "return", "signal", "reaction", "exit");

  /** @param differences one line per disagreement; empty when the traces agree */
  public record Result(List<String> differences, String sideBySide, int comparedEvents, long maxTimeDiffMs) {
    public boolean agree() {
      return differences.isEmpty();
    }
  }

  private TraceComparison() {}

  public static Result compare(Scenario s, List<TraceEvent> emulator, List<TraceEvent> kernel, long toleranceMs) {
    List<String> diffs = new ArrayList<>();
    StringBuilder out = new StringBuilder();
    int compared = 0;
    long maxDiff = 0;
    for (Scenario.ProcessDecl p : s.processes()) {
      List<TraceEvent> a = events(emulator, p.name());
      List<TraceEvent> b = events(kernel, p.name());
      if (a.isEmpty() && b.isEmpty()) {
        continue;
      }
      out.append(String.format("%s[%d]%n  %-56s | %s%n", p.name(), p.pid(), "emulator", "kernel"));
      for (int[] pair : align(a, b)) {
        TraceEvent x = pair[0] < 0 ? null : a.get(pair[0]);
        TraceEvent y = pair[1] < 0 ? null : b.get(pair[1]);
        char mark = ' ';
        if (x == null || y == null) {
          mark = '!';
          diffs.add(p.name() + ": " + (x == null ? "only the kernel: " + describe(y) : "only the emulator: " + describe(x)));
        } else {
          compared++;
          long d = Math.abs(x.t() - y.t());
          maxDiff = Math.max(maxDiff, d);
          if (d > toleranceMs) {
            mark = '~';
            diffs.add(p.name() + ": " + describe(x) + " at " + secs(x.t()) + " on the emulator, " + secs(y.t())
                + " on the kernel (tolerance " + toleranceMs + " ms)");
          }
        }
        out.append(String.format("%c %-56s | %s%n", mark, x == null ? "" : secs(x.t()) + " " + describe(x),
            y == null ? "" : secs(y.t()) + " " + describe(y)));
      }
    }
    compareLocks(emulator, kernel, diffs, out);
    return new Result(List.copyOf(diffs), out.toString(), compared, maxDiff);
  }

  private static List<TraceEvent> events(List<TraceEvent> all, String proc) {
    return all.stream().filter(e -> e.proc().equals(proc) && COMPARED.contains(e.kind()) && observable(e)).toList();
  }

  /** A signal that is discarded or kills by default leaves no trace a process could report itself. */
  private static boolean observable(TraceEvent e) {
    return !e.kind().equals("signal") || !(e.arg("action").equals("ignored") || e.arg("action").equals("terminate"));
  }

  /** What must be equal on both sides. */
  static String describe(TraceEvent e) {
    String step = e.step() > 0 ? " [step " + e.step() + "]" : "";
    return switch (e.kind()) {
      case "enter" -> e.call() + "(...)" + step;
      case "return" -> e.call() + " = " + (e.errno() != null ? "-1 " + errno(e.errno()) : e.result())
          + (e.arg("code") != null ? " {" + e.arg("code") + (e.arg("fd") != null ? " fd " + e.arg("fd") : "") + "}" : "")
          + (e.arg("l_pid") != null ? " {" + e.arg("l_whence") + " start " + e.arg("l_start") + " len " + e.arg("l_len")
              + " pid " + e.arg("l_pid") + "}" : "")
          + step;
      case "signal" -> "--- " + e.arg("signal") + " " + e.arg("code") + (e.arg("fd") != null ? " fd " + e.arg("fd") : "")
          + " " + e.arg("action");
      case "reaction" -> "handler: " + e.arg("action") + " fd " + e.arg("fd");
      case "exit" -> e.arg("signal") != null ? "+++ killed by " + e.arg("signal") : "+++ exit " + e.arg("status");
      default -> e.kind();
    };
  }

  private static String errno(String name) {
    return name.equals("EWOULDBLOCK") ? "EAGAIN" : name; // one errno, two names
  }

  /** Longest common subsequence of the descriptions: matched pairs, and unmatched events on either side. */
  private static List<int[]> align(List<TraceEvent> a, List<TraceEvent> b) {
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = describe(a.get(i)).equals(describe(b.get(j))) ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<int[]> pairs = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && describe(a.get(i)).equals(describe(b.get(j)))) {
        pairs.add(new int[] {i++, j++});
      } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
        pairs.add(new int[] {i++, -1});
      } else {
        pairs.add(new int[] {-1, j++});
      }
    }
    return pairs;
  }

  private static void compareLocks(List<TraceEvent> emulator, List<TraceEvent> kernel, List<String> diffs,
      StringBuilder out) {
    List<TraceEvent> a = emulator.stream().filter(e -> e.kind().equals("locks")).toList();
    List<TraceEvent> b = kernel.stream().filter(e -> e.kind().equals("locks")).toList();
    for (TraceEvent x : a) {
      TraceEvent y = b.stream().filter(e -> e.step() == x.step()).findFirst().orElse(null);
      List<String> mine = blocks(x);
      List<String> theirs = y == null ? List.of("(not taken)") : blocks(y);
      String where = x.step() > 0 ? "/proc/locks at step " + x.step() : "/proc/locks at the end";
      boolean same = Objects.equals(mine, theirs);
      out.append(String.format("%c %s: emulator %s | kernel %s%n", same ? ' ' : '!', where, mine, theirs));
      if (!same) {
        diffs.add(where + ": emulator " + mine + ", kernel " + theirs);
      }
    }
  }

  /** /proc/locks as sorted blocks (a lease and its waiters), ids dropped: the kernel's order is per-CPU. */
  @SuppressWarnings("unchecked")
  private static List<String> blocks(TraceEvent e) {
    List<String> blocks = new ArrayList<>();
    StringBuilder current = null;
    for (String line : (List<String>) e.arg("lines")) {
      String body = line.substring(line.indexOf(':') + 1);
      if (!body.trim().startsWith("->")) {
        if (current != null) {
          blocks.add(current.toString());
        }
        current = new StringBuilder(body.trim());
      } else if (current != null) {
        current.append(" /").append(body);
      }
    }
    if (current != null) {
      blocks.add(current.toString());
    }
    blocks.sort(null);
    return blocks;
  }

  private static String secs(long ms) {
    return String.format("%d.%03ds", ms / 1000, ms % 1000);
  }
}
