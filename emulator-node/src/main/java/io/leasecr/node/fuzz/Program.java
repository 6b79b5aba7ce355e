package io.leasecr.node.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated multi-process program: processes (dispositions, scripted reactions) and timed steps, each step
 * a YAML flow-mapping body in the scenario format. Immutable; the shrinker makes smaller copies.
 *
 * @param files how many files (/data/F1, /data/F2)
 */
public record Program(int files, List<Proc> procs, List<Op> ops) {

  /** A process; {@code parent} non-null means created by a {@code fork} step of it. */
  public record Proc(String name, int pid, String parent, Map<String, String> signals, List<Reaction> reactions) {
    Proc withSignals(Map<String, String> s) {
      return new Proc(name, pid, parent, s, reactions);
    }

    Proc withReactions(List<Reaction> r) {
      return new Proc(name, pid, parent, signals, r);
    }
  }

  public record Reaction(String signal, String action, long afterMs) {}

  /**
   * One step. {@code proc}: the process that makes the call, or the one a kill or fork names (null for
   * sysctl and proc_locks); {@code body}: the step without {@code at}; {@code simpler}: variants with fewer
   * or plainer arguments, for the shrinker.
   */
  public record Op(long atMs, String proc, String body, List<String> simpler) {
    Op withBody(String b) {
      return new Op(atMs, proc, b, List.of());
    }

    boolean isCall() {
      return !body.startsWith("kill:") && !body.startsWith("sysctl:") && !body.startsWith("proc_locks:");
    }

    /** exit(2): a call that does not return. */
    boolean isExit() {
      return body.startsWith("exit:") || body.contains(", exit:");
    }
  }

  public Proc proc(String name) {
    return procs.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
  }

  /** Without a process, its steps, the steps that fork or kill it, and its children. */
  public Program without(String name) {
    List<Proc> ps = new ArrayList<>();
    for (Proc p : procs) {
      if (!p.name().equals(name) && !name.equals(p.parent())) {
        ps.add(p);
      }
    }
    List<String> gone = procs.stream().map(Proc::name).filter(n -> ps.stream().noneMatch(p -> p.name().equals(n))).toList();
    List<Op> os = ops.stream().filter(o -> o.proc() == null || !gone.contains(o.proc()))
        .filter(o -> gone.stream().noneMatch(g -> o.body().equals("fork: " + g))).toList();
    return new Program(files, ps, os);
  }

  public Program withOps(List<Op> os) {
    return new Program(files, procs, List.copyOf(os));
  }

  public Program withProc(Proc replaced) {
    List<Proc> ps = new ArrayList<>(procs);
    ps.replaceAll(p -> p.name().equals(replaced.name()) ? replaced : p);
    return new Program(files, ps, ops);
  }

  /** Steps plus reactions: the size the shrinker reduces. */
  public int size() {
    return ops.size() + procs.stream().mapToInt(p -> p.reactions().size()).sum();
  }

  /**
   * The scenario file. {@code expectations}: per step index, an {@code expect:} value to append (may be
   * empty); {@code eventExpect}: top-level expect lines (flow mappings).
   */
  public String toYaml(String name, String description, Map<Integer, String> expectations, List<String> eventExpect) {
    StringBuilder y = new StringBuilder();
    y.append("name: ").append(name).append('\n');
    y.append("description: >\n");
    for (String line : wrap(description, 108)) {
      y.append("  ").append(line).append('\n');
    }
    y.append("sysctl: {fs.lease-break-time: 1}\n");
    y.append("files:\n");
    for (int f = 1; f <= files; f++) {
      y.append("  - path: /data/F").append(f).append('\n');
    }
    y.append("processes:\n");
    for (Proc p : procs) {
      y.append("  - name: ").append(p.name()).append('\n');
      y.append("    pid: ").append(p.pid()).append('\n');
      if (p.parent() != null) {
        y.append("    parent: ").append(p.parent()).append('\n');
        y.append("    forked: true\n");
      }
      if (!p.signals().isEmpty()) {
        List<String> s = new ArrayList<>();
        p.signals().forEach((k, v) -> s.add(k + ": " + v));
        y.append("    signals: {").append(String.join(", ", s)).append("}\n");
      }
      if (!p.reactions().isEmpty()) {
        y.append("    on_signal:\n");
        for (Reaction r : p.reactions()) {
          y.append("      - {signal: ").append(r.signal()).append(", do: ").append(r.action());
          if (r.afterMs() > 0) {
            y.append(", after: ").append(r.afterMs()).append("ms");
          }
          y.append("}\n");
        }
      }
    }
    y.append("steps:\n");
    for (int i = 0; i < ops.size(); i++) {
      Op o = ops.get(i);
      String e = expectations.getOrDefault(i, "");
      if (e.contains("\n")) {
        y.append("  - at: ").append(o.atMs()).append("ms\n");
        for (String kv : o.body().split(", ")) {
          y.append("    ").append(kv).append('\n');
        }
        y.append("    expect:").append(e).append('\n');
      } else {
        y.append("  - {at: ").append(o.atMs()).append("ms, ").append(o.body());
        if (!e.isEmpty()) {
          y.append(", expect: ").append(e);
        }
        y.append("}\n");
      }
    }
    if (!eventExpect.isEmpty()) {
      y.append("expect:\n");
      eventExpect.forEach(x -> y.append("  - ").append(x).append('\n'));
    }
    return y.toString();
  }

  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String w : text.split(" ")) {
      if (cur.length() > 0 && cur.length() + 1 + w.length() > width) {
        lines.add(cur.toString());
        cur.setLength(0);
      }
      if (cur.length() > 0) {
        cur.append(' ');
      }
      cur.append(w);
    }
    if (cur.length() > 0) {
      lines.add(cur.toString());
    }
    return lines;
  }

  static Map<String, String> signals(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
