package io.leasecr.node.fuzz;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.KernelRun;
import io.leasecr.node.conform.TimeScale;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The differential fuzzer: generated programs ({@link ProgramGenerator}) run on the emulator and on the real
 * kernel; a difference seen on a second run too is shrunk ({@link Shrinker}) to a scenario file whose
 * expectations are the kernel's, ready for scenarios/. A program the emulator refuses, or a step the kernel side
 * cannot run, is a finding too.
 */
public final class Fuzzer {

  /** The run is 1:1 at lease-break-time 1 s; the kernel's lateness for a 1 s sleep (1 jiffy) plus scheduling. */
  static final TimeScale SCALE = new TimeScale(1.0, 4 + 25 + 28);

  /** What a program showed. {@code file}: the shrunk scenario written, if any. */
  public record Finding(int index, String kind, String detail, Path file, int sizeBefore, int sizeAfter,
      int stepsAfter, int procsAfter) {}

  /**
   * {@code plays}: programs played on both sides (reruns and shrinking included), {@code emulatorNanos} and
   * {@code kernel}: where their time went (a kernel side run again after a first difference counts in full).
   */
  public record Summary(int programs, long millis, List<Finding> findings, int unconfirmed, int shrinkRuns,
      int plays, long emulatorNanos, KernelRun.Phases kernel) {
    public double perMinute() {
      return millis == 0 ? 0 : programs * 60_000.0 / millis;
    }

    /** Where a played program's time went, in words: the profile the summary prints. */
    public String profile() {
      if (plays == 0) {
        return "no program played";
      }
      double n = plays;
      return String.format(java.util.Locale.ROOT, "per program played (%d, reruns and shrinking included): "
          + "emulator %.0f ms; kernel side %.0f ms = waiting for the sysctls' turn %.0f + set-up %.0f + steps %.0f"
          + " (the program's own time, 1:1) + tail %.0f (tolerance, measured delay, last lines) + tear-down %.0f",
          plays, emulatorNanos / n / 1e6, kernel.totalNanos() / n / 1e6, kernel.turnNanos() / n / 1e6,
          kernel.setUpNanos() / n / 1e6, kernel.stepsNanos() / n / 1e6, kernel.tailNanos() / n / 1e6,
          kernel.tearDownNanos() / n / 1e6);
    }
  }

  private final long seed;
  private final Path helper;
  private final Path out;
  private final PrintStream progress;
  private final int maxShrinkRuns;
  /** Summed over every program played, by every job: the summary's profile. */
  private final java.util.concurrent.atomic.AtomicReference<KernelRun.Phases> kernelTime =
      new java.util.concurrent.atomic.AtomicReference<>(KernelRun.Phases.NONE);
  private final java.util.concurrent.atomic.AtomicLong emulatorTime = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger plays = new java.util.concurrent.atomic.AtomicInteger();

  public Fuzzer(long seed, Path helper, Path out, PrintStream progress, int maxShrinkRuns) {
    this.seed = seed;
    this.helper = helper;
    this.out = out;
    this.progress = progress;
    this.maxShrinkRuns = maxShrinkRuns;
  }

  /** Programs {@code first} .. {@code first + count - 1}, or until {@code limit} has passed. */
  public Summary run(int first, int count, Duration limit) throws InterruptedException {
    return run(first, count, limit, 1);
  }

  /** What one program gave: {@code ran} false if the time limit had passed before it started. */
  private record One(boolean ran, Finding finding, boolean unconfirmed, int shrinkRuns) {}

  /**
   * As {@link #run(int, int, Duration)} on {@code jobs} threads: programs run side by side (kernel-side runs
   * sharing the sysctls' turn, {@link io.leasecr.node.conform.Sysctls}); findings and counts are the same, in the
   * same order, whatever {@code jobs} is.
   */
  public Summary run(int first, int count, Duration limit, int jobs) throws InterruptedException {
    long start = System.currentTimeMillis();
    List<Finding> findings = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger found = new java.util.concurrent.atomic.AtomicInteger();
    int[] totals = new int[3]; // programs run, unconfirmed, shrink runs
    io.leasecr.node.conform.InOrder.run(count, jobs, schedule(first, count, limit, jobs), k -> {
      if (System.currentTimeMillis() - start > limit.toMillis()) {
        return new One(false, null, false, 0);
      }
      One one = one(first + k);
      if (one.finding() != null) {
        found.incrementAndGet();
      }
      return one;
    }, ended -> bar(ended, count, found.get(), start), one -> {
      if (one.ran()) {
        totals[0]++;
        totals[1] += one.unconfirmed() ? 1 : 0;
        totals[2] += one.shrinkRuns();
        if (one.finding() != null) {
          findings.add(one.finding());
        }
      }
    });
    if (progress != null) {
      progress.println();
    }
    return new Summary(totals[0], System.currentTimeMillis() - start, findings, totals[1], totals[2], plays.get(),
        emulatorTime.get(), kernelTime.get());
  }

  /**
   * The order programs start in: with more than one job and no time limit, those that change a sysctl mid-run
   * last. Such a program has the machine's lease sysctls alone (Sysctls): before each, the other jobs' programs
   * must end, and meanwhile nothing else runs; together at the end, the jobs drain once instead of once per such
   * program. The summary is in index order either way. Under --minutes the order stays, so that the programs run
   * are always the first ones. Null: in index order.
   */
  int[] schedule(int first, int count, Duration limit, int jobs) {
    if (jobs < 2 || limit.compareTo(Duration.ofDays(1)) < 0) {
      return null;
    }
    boolean[] alone = new boolean[count];
    for (int k = 0; k < count; k++) {
      alone[k] = ProgramGenerator.generate(seed, first + k).ops().stream().anyMatch(op -> op.body().startsWith("sysctl:"));
    }
    int[] order = new int[count];
    int n = 0;
    for (int k = 0; k < count; k++) {
      if (!alone[k]) {
        order[n++] = k;
      }
    }
    for (int k = 0; k < count; k++) {
      if (alone[k]) {
        order[n++] = k;
      }
    }
    return order;
  }

  private One one(int i) {
    Program p = ProgramGenerator.generate(seed, i);
    Outcome o = play(p, name(i));
    if (o.kind == null) {
      return new One(true, null, false, 0);
    } else if (!o.kind.equals("difference")) {
      return new One(true, new Finding(i, o.kind, o.detail, writeRaw(p, i, o), p.size(), p.size(), p.ops().size(),
          p.procs().size()), false, 0);
    } else if (!play(p, name(i)).isDifference()) {
      return new One(true, null, true, 0); // seen once, not on the rerun: load, not a rule; reported in the summary
    }
    String n = name(i);
    Shrinker s = new Shrinker(q -> play(q, n).isDifference(), maxShrinkRuns);
    Program small = s.shrink(p);
    Outcome last = play(small, name(i));
    Path file = last.isDifference() ? write(small, i, last) : writeRaw(p, i, o);
    return new One(true, new Finding(i, "difference", (last.isDifference() ? last : o).detail, file, p.size(),
        small.size(), small.ops().size(), small.procs().size()), false, s.tests());
  }

  private String name(int i) {
    return "fuzz-" + seed + "-" + i;
  }

  /** One program on both sides. */
  record Outcome(String kind, String detail, Conformance.Outcome run) {
    boolean isDifference() {
      return "difference".equals(kind);
    }
  }

  Outcome play(Program p, String name) {
    String yaml = p.toYaml(name, "generated", Map.of(), List.of());
    Scenario s;
    try {
      s = ScenarioParser.parse(name + ".yaml", yaml);
    } catch (RuntimeException e) {
      return new Outcome("emulator refuses the program", e.getMessage(), null);
    }
    String why = KernelRun.notRunnable(s);
    if (why != null) {
      return new Outcome("kernel side cannot run the program", why, null);
    }
    Conformance.Outcome r;
    try {
      r = Conformance.run(s, helper, ConfigFactory.empty(), SCALE);
    } catch (KernelRun.UnsupportedStep e) {
      return new Outcome("kernel side cannot run a step", e.getMessage(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome("interrupted", "", null);
    } catch (IOException | RuntimeException e) {
      return new Outcome("run failed", e.toString(), null);
    }
    plays.incrementAndGet();
    emulatorTime.addAndGet(r.emulatorNanos());
    kernelTime.accumulateAndGet(r.kernelPhases(), KernelRun.Phases::plus);
    if (r.comparison().agree()) {
      return new Outcome(null, null, r);
    }
    return new Outcome("difference", (r.racy() ? r.race() + ", none the emulator's: " : "")
        + String.join("; ", r.comparison().differences()), r);
  }

  /** The shrunk program as a scenario whose expectations are what the kernel did. */
  private Path write(Program p, int i, Outcome o) {
    List<TraceEvent> kernel = o.run.kernel();
    Map<Integer, String> expect = expectations(p, kernel);
    Map<String, Integer> signals = new LinkedHashMap<>();
    List<String> events = new ArrayList<>();
    for (TraceEvent e : kernel) {
      if (e.kind().equals("signal")) {
        signals.merge(e.proc() + " " + e.arg("signal"), 1, Integer::sum);
      } else if (e.kind().equals("exit")) {
        Object how = e.arg("signal") != null ? e.arg("signal") : e.arg("status");
        events.add("{proc: " + e.proc() + ", exit: " + how + ", count: 1}");
      }
    }
    signals.forEach((k, n) -> events.add(0, "{proc: " + k.split(" ")[0] + ", signal: " + k.split(" ")[1] + ", count: " + n + "}"));
    String desc = "Found by emulator fuzz --seed " + seed + " (program " + i + "), shrunk from "
        + ProgramGenerator.generate(seed, i).size() + " to " + p.size() + " steps and reactions. Expectations are the"
        + " kernel's. The emulator differed: " + o.detail;
    return save(i, p.toYaml(name(i), desc.replace("\"", "'").replace(":", " -"), expect, events));
  }

  /**
   * Each step's expectation, as the kernel's trace has it (step index from 0): a call's return, a call still
   * asleep at the end, a /proc/locks snapshot. exit(2) takes none: it does not return, and the parser refuses
   * one (a shrunk program 3809 of seed 61206 was written with {@code still_blocked} on its exit).
   */
  static Map<Integer, String> expectations(Program p, List<TraceEvent> kernel) {
    Map<Integer, String> expect = new TreeMap<>();
    for (int k = 0; k < p.ops().size(); k++) {
      int step = k + 1;
      Program.Op op = p.ops().get(k);
      if (op.body().startsWith("proc_locks:")) {
        TraceEvent locks = kernel.stream().filter(e -> e.kind().equals("locks") && e.step() == step).findFirst().orElse(null);
        if (locks != null) {
          @SuppressWarnings("unchecked")
          List<String> lines = (List<String>) locks.arg("lines");
          StringBuilder b = new StringBuilder(lines.isEmpty() ? " {locks: []}" : "\n      locks:");
          lines.forEach(l -> b.append("\n        - \"").append(l).append('"'));
          expect.put(k, b.toString());
        }
      } else if (op.isCall() && !op.isExit()) {
        TraceEvent ret = kernel.stream().filter(e -> e.kind().equals("return") && e.step() == step).findFirst().orElse(null);
        boolean entered = kernel.stream().anyMatch(e -> e.kind().equals("enter") && e.step() == step);
        if (ret != null) {
          expect.put(k, ret.errno() != null ? ret.errno() : ret.arg("code") != null
              ? "{result: " + ret.result() + ", code: " + ret.arg("code") + ", fd: "
                  + (ret.arg("fd") != null ? ret.arg("fd") : -1) + "}" // the siginfo a sigtimedwait took
              : ret.arg("l_pid") != null // what F_GETLK handed back
              ? "{result: " + ret.result() + ", l_start: " + ret.arg("l_start") + ", l_len: " + ret.arg("l_len")
                  + ", l_pid: " + ret.arg("l_pid") + "}"
              : String.valueOf(ret.result()));
        } else if (entered) {
          expect.put(k, "{still_blocked: true}");
        }
      }
    }
    return expect;
  }

  private Path writeRaw(Program p, int i, Outcome o) {
    String desc = "Found by emulator fuzz --seed " + seed + " (program " + i + "): " + o.kind + ": " + o.detail;
    return save(i, p.toYaml(name(i), desc.replace("\"", "'").replace(":", " -"), Map.of(), List.of()));
  }

  private Path save(int i, String yaml) {
    try {
      Files.createDirectories(out);
      Path f = out.resolve(name(i) + ".yaml");
      Files.writeString(f, yaml);
      io.leasecr.node.report.CounterexamplePages.writeBeside(f);
      return f;
    } catch (IOException e) {
      if (progress != null) {
        progress.println("emulator: cannot write to " + out + ": " + e.getMessage());
      }
      return null;
    }
  }

  private void bar(int done, int count, int found, long start) {
    if (progress == null) {
      return;
    }
    int width = 30; // called by the job that ended, one at a time
    int filled = (int) ((long) done * width / Math.max(1, count));
    double perMin = done * 60_000.0 / Math.max(1, System.currentTimeMillis() - start);
    progress.printf("\r[%s%s] %d/%d programs, %d findings, %.1f programs/min ", "#".repeat(filled),
        ".".repeat(width - filled), done, count, found, perMin);
    progress.flush();
  }
}
