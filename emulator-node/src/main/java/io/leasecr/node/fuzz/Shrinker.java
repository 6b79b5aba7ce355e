package io.leasecr.node.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Delta debugging of a program that still shows a difference: fewer processes, then fewer steps (ddmin over the
 * step list), then fewer reactions and plainer arguments, round after round until nothing more goes. Each test
 * is a run on both sides, so the number of tests is capped.
 */
public final class Shrinker {

  private final Predicate<Program> differs;
  private final int maxTests;
  private int tests;

  public Shrinker(Predicate<Program> differs, int maxTests) {
    this.differs = differs;
    this.maxTests = maxTests;
  }

  public int tests() {
    return tests;
  }

  public Program shrink(Program p) {
    boolean changed = true;
    while (changed && tests < maxTests) {
      changed = false;
      for (Program.Proc proc : List.copyOf(p.procs())) {
        if (!proc.name().equals("P1") && p.proc(proc.name()) != null && test(p.without(proc.name()))) {
          p = p.without(proc.name());
          changed = true;
        }
      }
      Program fewer = p.withOps(ddmin(p, p.ops()));
      changed |= fewer.ops().size() < p.ops().size();
      p = fewer;
      for (Program.Proc proc : List.copyOf(p.procs())) {
        for (int i = proc.reactions().size() - 1; i >= 0; i--) {
          Program.Proc cur = p.proc(proc.name());
          List<Program.Reaction> rs = new ArrayList<>(cur.reactions());
          Program.Reaction gone = rs.remove(i);
          if (test(p.withProc(cur.withReactions(rs)))) {
            p = p.withProc(cur.withReactions(rs));
            changed = true;
          } else if (gone.afterMs() > 0) {
            rs.add(i, new Program.Reaction(gone.signal(), gone.action(), 0));
            if (test(p.withProc(cur.withReactions(rs)))) {
              p = p.withProc(cur.withReactions(rs));
              changed = true;
            }
          }
        }
        Program.Proc cur = p.proc(proc.name());
        for (String sig : List.copyOf(cur.signals().keySet())) {
          Map<String, String> fewerSignals = new LinkedHashMap<>(cur.signals());
          fewerSignals.remove(sig);
          if (test(p.withProc(cur.withSignals(fewerSignals)))) {
            cur = cur.withSignals(fewerSignals);
            p = p.withProc(cur);
            changed = true;
          }
        }
      }
      for (int i = 0; i < p.ops().size(); i++) {
        for (String simpler : p.ops().get(i).simpler()) {
          List<Program.Op> os = new ArrayList<>(p.ops());
          os.set(i, os.get(i).withBody(simpler));
          if (test(p.withOps(os))) {
            p = p.withOps(os);
            changed = true;
            break;
          }
        }
      }
    }
    return p;
  }

  /** ddmin over the steps, by complements: drop one of n chunks if the rest still differs. */
  private List<Program.Op> ddmin(Program base, List<Program.Op> ops) {
    int n = 2;
    while (ops.size() >= 2 && tests < maxTests) {
      int chunk = (ops.size() + n - 1) / n;
      boolean reduced = false;
      for (int start = 0; start < ops.size(); start += chunk) {
        List<Program.Op> rest = new ArrayList<>(ops.subList(0, start));
        rest.addAll(ops.subList(Math.min(ops.size(), start + chunk), ops.size()));
        if (test(base.withOps(rest))) {
          ops = rest;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (n >= ops.size()) {
          break;
        }
        n = Math.min(ops.size(), 2 * n);
      }
    }
    return ops;
  }

  private boolean test(Program p) {
    if (tests >= maxTests) {
      return false;
    }
    tests++;
    return differs.test(p);
  }
}
