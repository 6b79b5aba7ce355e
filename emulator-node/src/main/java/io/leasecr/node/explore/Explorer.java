package io.leasecr.node.explore;

import io.leasecr.core.checkpoint.ImageBytes;
import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import io.leasecr.proto.image.CheckpointImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code emulator explore}: for a base scenario, checkpoint at every distinct moment, restart every subset of
 * processes in every mode under every policy, recursively to a depth, and with the emulator killed during the
 * commit; check the invariants of {@link CrInvariants} after each run. Every run is a whole emulated run of its
 * own (its own actor system on virtual time): the same code and the same trace as {@code emulator run}.
 */
public final class Explorer {

  /** What to explore; {@code maxRuns} 0: no cap (else a deterministic sample of that many at depth 1). */
  public record Options(int depth, List<String> modes, List<String> policies, long gapMs, int maxSubsets,
      int maxRunsPerFile, int replayEvery, int jobs, boolean killCommit, boolean shrink, long seed) {

    public static Options defaults() {
      return new Options(2, List.of("seed", "criu", "keep-break"),
          List.of("remaining", "favor-holder", "favor-breaker", "delta:+5s"), 5000, 4, 0, 8,
          Math.max(1, Runtime.getRuntime().availableProcessors()), true, true, 1);
    }
  }

  /** One run's outcome: per invariant, null (holds) or the violation. */
  public record Outcome(Variant variant, Map<String, String> verdicts, int starvedCheckpoints, long emulatedMs,
      List<TraceEvent> events) {}

  /** A mode's known properties: invariants it breaks by design, and why (the seed's and CRIU's documented behaviour). */
  static final Map<String, String> KNOWN = new LinkedHashMap<>();

  static {
    KNOWN.put("seed/" + CrInvariants.DEADLINE_FORMULA, "the seed's point 4: without a restored breaker (holder-only"
        + " restart, O_NONBLOCK or outside breaker) the break is not restored; the holder keeps its old lease and a"
        + " new breaker waits a whole lease-break-time");
    KNOWN.put("seed/" + CrInvariants.SIGNALLED_ONCE, "after a holder-only restart the seed keeps the lease as not"
        + " breaking; a second checkpoint stores no break and no breakNotified, so a later breaker signals the holder"
        + " again for the break it was told of before the first checkpoint (recursive C/R)");
    KNOWN.put("criu/" + CrInvariants.DEADLINE_FORMULA, "CRIU re-breaks with an O_NONBLOCK open: a fresh, full"
        + " lease-break-time, whatever the policy");
    KNOWN.put("criu/" + CrInvariants.SIGNALLED_ONCE, "CRIU's fresh re-break signals the holder again (the ghost"
        + " signal of issue 16)");
    KNOWN.put("criu/" + CrInvariants.TYPEPREV_KEPT, "CRIU keeps only the target type and takes the lease again as"
        + " F_WRLCK before re-breaking it (4.2's guess for any regular file): a READ lease under break comes back as a"
        + " broken WRITE lease, and the next checkpoint stores that guess");
    KNOWN.put("criu/" + CrInvariants.OPENER_BOUND, "CRIU's fresh break makes a restored breaker wait a whole"
        + " lease-break-time again (starvation under repeated C/R)");
    KNOWN.put("favor-holder/" + CrInvariants.OPENER_BOUND, "favor-holder gives the holder a whole lease-break-time"
        + " at each restart: repeated C/R starves the breaker (the seed's own comment in __break_lease)");
    KNOWN.put("delta:+5s/" + CrInvariants.OPENER_BOUND, "a positive delta gives the holder more than was left");
  }

  /** Whether a violation is a known property of its mode or policy; the reason, or null. */
  public static String known(String mode, String policy, String invariant) {
    String r = KNOWN.get(mode + "/" + invariant);
    return r != null ? r : KNOWN.get(policy + "/" + invariant);
  }

  /** The whole exploration of one file. */
  public record Report(Path file, List<Outcome> outcomes, int moments, int subsets, long wallMs,
      Map<String, Path> counterexamples) {

    /** Violations no mode or policy is known for, in words. */
    public List<String> unknownViolations() {
      List<String> out = new ArrayList<>();
      for (Outcome o : outcomes) {
        for (Map.Entry<String, String> v : o.verdicts().entrySet()) {
          if (v.getValue() != null && known(o.variant().mode(), o.variant().policy(), v.getKey()) == null) {
            out.add(file + ": " + v.getKey() + " violated in run " + o.variant().index() + " ("
                + o.variant().describe() + "): " + v.getValue());
          }
        }
      }
      return out;
    }
  }

  private final Options options;
  private final PrintStream progressOut;
  private final Path workDir;
  private final AtomicLong runDirs = new AtomicLong();
  private final ThreadPoolExecutor runs;

  /** CRIU's type guess written into every criu-mode restart (and so into counterexamples); null: the default. */
  private final io.leasecr.core.locks.CriuTypeGuess typeGuess;

  public Explorer(Options options, PrintStream progressOut, Path workDir) {
    this(options, progressOut, workDir, null);
  }

  public Explorer(Options options, PrintStream progressOut, Path workDir, io.leasecr.core.locks.CriuTypeGuess typeGuess) {
    this.options = options;
    this.progressOut = progressOut;
    this.workDir = workDir;
    this.typeGuess = typeGuess;
    // one pool of --jobs threads for every run of every file (files explored side by side share it, so --jobs
    // bounds the runs at once); idle threads end, so an explorer needs no closing
    this.runs = new ThreadPoolExecutor(options.jobs(), options.jobs(), 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "explore-run");
          t.setDaemon(true);
          return t;
        });
    this.runs.allowCoreThreadTimeOut(true);
  }

  /** A variant's steps, its criu-mode restarts with this explorer's type guess (the file-type default unwritten). */
  private List<Map<String, Object>> steps(BaseScenario base, Variant v, Path dir) {
    List<Map<String, Object>> steps = v.steps(base, dir);
    if (typeGuess != null && typeGuess != io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE) {
      for (Map<String, Object> st : steps) {
        if (st.containsKey("restart") && "criu".equals(st.get("mode"))) {
          st.put("type_guess", typeGuess.toString());
        }
      }
    }
    return steps;
  }

  // ---------------------------------------------------------------- the plan

  record Moment(long atMs, int afterStep, boolean beforeSignal) {}

  /** Every distinct moment of a run's trace: after each instant, between two instants, between steps of one instant, before a break's signal. */
  static List<Moment> moments(BaseScenario base, List<TraceEvent> events, long fromMs, boolean withSteps) {
    TreeSet<Long> times = new TreeSet<>();
    for (TraceEvent e : events) {
      if (e.t() >= fromMs) {
        times.add(e.t());
      }
    }
    Set<Moment> out = new LinkedHashSet<>();
    Long prev = null;
    for (long t : times) {
      if (prev != null && t - prev >= 2) {
        long mid = (prev + t) / 2;
        out.add(new Moment(mid, lastStepAtOrBefore(base, mid), false));
      }
      out.add(new Moment(t, lastStepAtOrBefore(base, t), false));
      prev = t;
    }
    if (withSteps) {
      for (int i = 0; i + 1 < base.steps.size(); i++) {
        if (base.steps.get(i).atMs() == base.steps.get(i + 1).atMs()) {
          out.add(new Moment(base.steps.get(i).atMs(), i, false));
        }
      }
      for (TraceEvent e : events) {
        if (e.kind().equals("lease") && String.valueOf(e.arg("change")).startsWith("break:") && e.t() >= fromMs) {
          out.add(new Moment(e.t(), lastStepAtOrBefore(base, e.t()), true));
        }
      }
    }
    List<Moment> sorted = new ArrayList<>(out);
    sorted.sort(Comparator.comparingLong(Moment::atMs).thenComparingInt(Moment::afterStep)
        .thenComparing(Moment::beforeSignal));
    return sorted;
  }

  private static int lastStepAtOrBefore(BaseScenario base, long t) {
    int idx = -1;
    for (BaseScenario.RawStep s : base.steps) {
      if (s.atMs() <= t) {
        idx = s.index();
      }
    }
    return idx;
  }

  /** all, each single process, and the other subsets (every one for up to 4 processes, else a seeded sample). */
  List<List<String>> subsets(List<String> names) {
    List<List<String>> out = new ArrayList<>();
    out.add(null);
    for (String n : names) {
      out.add(List.of(n));
    }
    int n = names.size();
    List<List<String>> middle = new ArrayList<>();
    if (n <= 4) {
      for (int mask = 1; mask < (1 << n) - 1; mask++) {
        if (Integer.bitCount(mask) >= 2) {
          List<String> s = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if ((mask & (1 << i)) != 0) {
              s.add(names.get(i));
            }
          }
          middle.add(s);
        }
      }
    } else {
      Random r = new Random(options.seed());
      for (int k = 0; k < options.maxSubsets(); k++) {
        List<String> s = new ArrayList<>();
        for (String name : names) {
          if (r.nextBoolean()) {
            s.add(name);
          }
        }
        if (s.size() >= 2 && s.size() < n && !middle.contains(s)) {
          middle.add(s);
        }
      }
    }
    out.addAll(middle.subList(0, Math.min(middle.size(), n <= 4 ? middle.size() : options.maxSubsets())));
    return out;
  }

  // ---------------------------------------------------------------- running

  private Scenario scenario(BaseScenario base, Variant v, Path dir) {
    String text = base.yaml(base.name() + "-explore-" + v.index(), v.describe(), steps(base, v, dir));
    return ScenarioParser.parse(base.source.toString(), text);
  }

  private Outcome run(BaseScenario base, Variant v, Map<String, Integer> pids, boolean replay) throws IOException {
    // a directory per run, not per variant: two counterexamples may shrink the same variant at once
    Path dir = workDir.resolve("run-" + v.index() + "-" + runDirs.incrementAndGet());
    Files.createDirectories(dir);
    Emulation.Result result = Emulation.run(scenario(base, v, dir));
    List<TraceEvent> events = result.events();
    Map<String, CheckpointImage> images = new HashMap<>();
    String roundtrip = null;
    for (int k = 0; k < v.depth(); k++) {
      Path f = dir.resolve(v.image(k));
      if (!Files.exists(f)) {
        continue;
      }
      try {
        // the run's own file, then export and import in memory: a file's bytes are ImageFiles.encode's, and
        // writing them out and back (4 files a run) cost the explorer a tenth of its CPU in the file system
        byte[] first = Files.readAllBytes(f);
        CheckpointImage image = ImageFiles.decode(f.toString(), first).image();
        images.put("C" + (k + 1), image);
        byte[] second = ImageFiles.encode(image);
        byte[] third = ImageFiles.encode(ImageFiles.decode("again-" + v.image(k), second).image());
        if (roundtrip == null && (!Arrays.equals(first, second) || !Arrays.equals(second, third)
            || !Arrays.equals(ImageBytes.serialize(image), ImageBytes.serialize(ImageFiles.parse("again",
                ImageBytes.serialize(image)))))) {
          roundtrip = "image C" + (k + 1) + " is not byte-identical after export, import and export";
        }
      } catch (ImageFiles.BadImage e) {
        roundtrip = "image C" + (k + 1) + " cannot be read back: " + e.getMessage();
      }
    }
    CrInvariants inv = new CrInvariants(events, images, pids, v);
    Map<String, String> verdicts = inv.check();
    verdicts.put(CrInvariants.IMAGE_ROUNDTRIP, roundtrip);
    String same = null;
    if (replay) {
      Emulation.Result again = Emulation.run(scenario(base, v, dir));
      if (!jsonl(again.events()).equals(jsonl(events))) {
        same = "two runs of the same variant (same images restored) gave different traces";
      }
    }
    if (replay) {
      verdicts.put(CrInvariants.SAME_TRACE, same);
    }
    long end = events.isEmpty() ? 0 : events.get(events.size() - 1).t();
    deleteTree(dir);
    return new Outcome(v, verdicts, inv.starvedCheckpoints, end, events);
  }

  private static String jsonl(List<TraceEvent> events) {
    StringBuilder b = new StringBuilder();
    events.forEach(e -> b.append(TraceJson.line(e)).append('\n'));
    return b.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Runs the variants on the jobs' threads; the outcomes come back in the variants' order. */
  private List<Outcome> runAll(BaseScenario base, List<Variant> variants, Map<String, Integer> pids,
      ProgressBar bar) throws InterruptedException {
    List<Callable<Outcome>> tasks = new ArrayList<>();
    for (Variant v : variants) {
      // a deterministic spread over every mode and policy (the index alone would beat in time with them)
      boolean replay = options.replayEvery() > 0 && ((v.index() * 0x9E3779B1) >>> 8) % options.replayEvery() == 0;
      tasks.add(() -> {
        try {
          return run(base, v, pids, replay);
        } finally {
          bar.step();
        }
      });
    }
    try {
      return onRuns(tasks);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a run of " + base.source + " failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** The tasks on the runs' pool, their results in the tasks' order; the first failure cancels the rest. */
  private <T> List<T> onRuns(List<Callable<T>> tasks) throws InterruptedException, ExecutionException {
    List<Future<T>> futures = new ArrayList<>(tasks.size());
    tasks.forEach(t -> futures.add(runs.submit(t)));
    try {
      List<T> out = new ArrayList<>(tasks.size());
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      futures.forEach(f -> f.cancel(true)); // a no-op for those done
    }
  }

  // ---------------------------------------------------------------- the exploration

  public Report explore(Path file, Path counterexampleDir) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Scenario parsed = ScenarioParser.parse(file); // errors with FILE:LINE before anything runs
    BaseScenario base = BaseScenario.load(file, parsed.sysctl("fs.lease-break-time"));
    Map<String, Integer> pids = new HashMap<>();
    parsed.processes().forEach(p -> pids.put(p.name(), p.pid()));
    Variant plain = new Variant(0, "seed", "remaining", List.of(), options.gapMs(), Set.of());
    Emulation.Result baseRun = Emulation.run(scenario(base, plain, null));
    List<Moment> moments = moments(base, baseRun.events(), 0, true);
    List<List<String>> subsets = subsets(base.processes);
    List<Variant> level1 = new ArrayList<>();
    AtomicInteger index = new AtomicInteger(1);
    for (Moment m : moments) {
      for (List<String> only : subsets) {
        for (String mode : options.modes()) {
          for (String policy : options.policies()) {
            level1.add(new Variant(index.getAndIncrement(), mode, policy,
                List.of(new Variant.Level(m.atMs(), m.afterStep(), m.beforeSignal(), only, false)), options.gapMs(),
                Set.of()));
          }
        }
      }
    }
    level1 = sample(level1, subsets.size());
    ProgressBar bar = new ProgressBar(progressOut, file.getFileName().toString());
    bar.add(level1.size());
    List<Outcome> outcomes = new ArrayList<>(runAll(base, level1, pids, bar));
    if (options.depth() >= 2) {
      List<Variant> level2 = new ArrayList<>();
      for (Outcome o : outcomes) {
        Variant.Level first = o.variant().levels().get(0);
        if (first.only() != null && first.only().size() != 1) {
          continue; // recursion from the whole tree and from each single process
        }
        long restartAt = first.atMs() + options.gapMs();
        List<Moment> later = moments(base, o.events(), restartAt, false);
        // the restart's own instant (a checkpoint before the restored tree runs) and the first moment within the break
        List<Moment> chosen = later.stream().limit(2).toList();
        for (Moment m : chosen) {
          for (boolean killed : options.killCommit() ? List.of(false, true) : List.of(false)) {
            List<Variant.Level> levels = List.of(first,
                new Variant.Level(m.atMs(), m.afterStep(), false, first.only(), killed));
            level2.add(new Variant(index.getAndIncrement(), o.variant().mode(), o.variant().policy(), levels,
                options.gapMs(), Set.of()));
          }
        }
      }
      level2 = sample(level2);
      bar.add(level2.size());
      outcomes.addAll(runAll(base, level2, pids, bar));
    }
    bar.finish();
    Map<String, Path> cex = counterexampleDir == null ? Map.of() : counterexamples(base, outcomes, pids, counterexampleDir);
    return new Report(file, outcomes, moments.size(), subsets.size(), (System.nanoTime() - start) / 1_000_000, cex);
  }

  /**
   * At most maxRunsPerFile variants (deterministic): the same share for every mode and policy, each share spread
   * evenly over that pair's moments and subsets.
   */
  private List<Variant> sample(List<Variant> all) {
    return sample(all, 0);
  }

  /**
   * {@code subsets} > 0: each pair's runs are a grid of moments x subsets (moments outer); the k-th pick takes
   * subset k mod S at the k-th evenly spaced moment, so every subset (holder only, breaker only, ...) is tried.
   */
  private List<Variant> sample(List<Variant> all, int subsets) {
    int max = options.maxRunsPerFile();
    if (max <= 0 || all.size() <= max) {
      return all;
    }
    Map<String, List<Variant>> groups = new LinkedHashMap<>();
    all.forEach(v -> groups.computeIfAbsent(v.mode() + "/" + v.policy(), k -> new ArrayList<>()).add(v));
    int share = Math.max(1, max / groups.size());
    List<Variant> out = new ArrayList<>();
    for (List<Variant> g : groups.values()) {
      int n = Math.min(share, g.size());
      for (int i = 0; i < n && subsets > 0; i++) {
        int moments = g.size() / subsets;
        out.add(g.get((int) ((long) i * moments / n) * subsets + i % subsets));
      }
      for (int i = 0; i < n && subsets == 0; i++) {
        // the odd offset alternates the parity, so runs generated in pairs (killed commit or not) both appear
        out.add(g.get((int) Math.min(g.size() - 1, (long) i * g.size() / n + (i % 2))));
      }
    }
    out.sort(Comparator.comparingInt(Variant::index));
    return out;
  }

  // ---------------------------------------------------------------- counterexamples

  /** For each violated (invariant, mode, policy), the smallest violating run, shrunk, as a scenario file. */
  private Map<String, Path> counterexamples(BaseScenario base, List<Outcome> outcomes, Map<String, Integer> pids,
      Path dir) throws IOException, InterruptedException {
    Map<String, Outcome> smallest = new LinkedHashMap<>();
    for (Outcome o : outcomes) {
      for (Map.Entry<String, String> v : o.verdicts().entrySet()) {
        if (v.getValue() == null) {
          continue;
        }
        String key = v.getKey() + "|" + o.variant().mode() + "|" + o.variant().policy();
        Outcome cur = smallest.get(key);
        if (cur == null || o.variant().size() < cur.variant().size()) {
          smallest.put(key, o);
        }
      }
    }
    Files.createDirectories(dir);
    // each counterexample (its shrinking runs, its final run, its files) is its own: on the jobs' threads, in
    // order (it was the exploration's serial part: with --jobs 2 one core idled through every file's shrinking)
    List<Map.Entry<String, Outcome>> todo = new ArrayList<>(smallest.entrySet());
    List<Callable<Path>> tasks = new ArrayList<>();
    todo.forEach(e -> tasks.add(() -> counterexample(base, e.getKey(), e.getValue(), pids, dir)));
    Map<String, Path> written = new LinkedHashMap<>();
    try {
      List<Path> files = onRuns(tasks);
      for (int i = 0; i < todo.size(); i++) {
        written.put(todo.get(i).getKey(), files.get(i));
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("a counterexample of " + base.source + " failed: " + e.getCause().getMessage(),
          e.getCause());
    }
    return written;
  }

  private Path counterexample(BaseScenario base, String key, Outcome smallest, Map<String, Integer> pids, Path dir)
      throws IOException {
    String invariant = key.substring(0, key.indexOf('|'));
    Variant v = options.shrink() ? shrink(base, smallest.variant(), invariant, pids) : smallest.variant();
    Outcome o = run(base, v, pids, invariant.equals(CrInvariants.SAME_TRACE));
    String why = o.verdicts().get(invariant);
    String name = base.name() + "-" + invariant + "-" + v.mode() + "-" + v.policy().replace(":", "").replace("+", "plus");
    Path f = dir.resolve(name + ".yaml");
    String description = "Counterexample found by emulator explore for " + invariant + " ("
        + CrInvariants.meaning(invariant) + "): " + v.describe() + ". Violation: " + why
        + (known(v.mode(), v.policy(), invariant) != null ? ". Known property: " + known(v.mode(), v.policy(), invariant) : "")
        + criuFailure(o.events());
    Files.writeString(f, base.yaml(name, description, steps(base, v, null)));
    io.leasecr.node.report.CounterexamplePages.writeBeside(f);
    return f;
  }

  /**
   * The emulator's note that real CRIU fails a restore of this run (criu mode cannot fail a restart step: it goes
   * on as if CRIU had succeeded), for a counterexample's description; "" if none.
   */
  static String criuFailure(List<TraceEvent> events) {
    for (TraceEvent e : events) {
      if (e.kind().equals("note") && e.args().get("text") instanceof String text && text.contains("fails this restore")) {
        return ". Real CRIU would stop here: " + text;
      }
    }
    return "";
  }

  /** Drops base steps one at a time while the invariant stays violated (one pass, last step first). */
  private Variant shrink(BaseScenario base, Variant v, String invariant, Map<String, Integer> pids) throws IOException {
    Variant cur = v;
    for (int i = base.steps.size() - 1; i >= 0; i--) {
      Set<Integer> d = new TreeSet<>(cur.dropped());
      d.add(i);
      Variant candidate = cur.withDropped(d);
      try {
        if (ScenarioParser.parse(base.source.toString(), base.yaml("shrink", "", steps(base, candidate, null))) == null) {
          continue;
        }
        Outcome o = run(base, candidate, pids, invariant.equals(CrInvariants.SAME_TRACE));
        if (o.verdicts().get(invariant) != null) {
          cur = candidate;
        }
      } catch (RuntimeException stepNeeded) {
        // without that step the scenario does not parse (a fork its child needs) or does not run: keep it
      }
    }
    return cur;
  }

  // ---------------------------------------------------------------- output

  /** invariant x mode x policy: "holds (N)" or "VIOLATED k/N", with known properties marked. */
  public static String table(List<Report> reports, List<String> modes, List<String> policies) {
    StringBuilder b = new StringBuilder();
    List<String> cols = new ArrayList<>();
    for (String m : modes) {
      for (String p : policies) {
        cols.add(m + "/" + p);
      }
    }
    b.append(String.format(Locale.ROOT, "%-18s", "invariant"));
    cols.forEach(c -> b.append(String.format(Locale.ROOT, " %-22s", c)));
    b.append('\n');
    for (String inv : CrInvariants.ALL) {
      b.append(String.format(Locale.ROOT, "%-18s", inv));
      for (String c : cols) {
        String mode = c.substring(0, c.indexOf('/'));
        String policy = c.substring(c.indexOf('/') + 1);
        int runs = 0;
        int bad = 0;
        for (Report r : reports) {
          for (Outcome o : r.outcomes()) {
            if (o.variant().mode().equals(mode) && o.variant().policy().equals(policy)
                && (!inv.equals(CrInvariants.SAME_TRACE) || o.verdicts().containsKey(inv))) {
              runs++;
              if (o.verdicts().get(inv) != null) {
                bad++;
              }
            }
          }
        }
        String cell = runs == 0 ? "-" : bad == 0 ? "holds (" + runs + ")"
            : "VIOLATED " + bad + "/" + runs + (known(mode, policy, inv) != null ? " known" : "");
        b.append(String.format(Locale.ROOT, " %-22s", cell));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** One row per run: the file, the run, where it checkpointed, what it restarted, and each invariant. */
  public static String csv(List<Report> reports) {
    StringBuilder b = new StringBuilder("file,run,mode,policy,depth,checkpoints,restarted,before_signal,killed_commit,"
        + "emulated_s,starved_after_checkpoints");
    CrInvariants.ALL.forEach(i -> b.append(',').append(i));
    b.append('\n');
    for (Report r : reports) {
      for (Outcome o : r.outcomes()) {
        Variant v = o.variant();
        b.append(r.file()).append(',').append(v.index()).append(',').append(v.mode()).append(',').append(v.policy())
            .append(',').append(v.depth()).append(',')
            .append(String.join(" ", v.levels().stream().map(l -> BaseScenario.ms(l.atMs())).toList())).append(',')
            .append(String.join(" ", v.levels().stream().map(l -> l.only() == null ? "all" : String.join("+", l.only())).toList()))
            .append(',').append(v.levels().stream().anyMatch(Variant.Level::beforeSignal))
            .append(',').append(v.levels().stream().anyMatch(Variant.Level::killedCommit))
            .append(',').append(String.format(Locale.ROOT, "%.3f", o.emulatedMs() / 1000.0))
            .append(',').append(o.starvedCheckpoints() < 0 ? "" : String.valueOf(o.starvedCheckpoints()));
        for (String i : CrInvariants.ALL) {
          String verdict = o.verdicts().get(i);
          b.append(',').append(!o.verdicts().containsKey(i) ? "" : verdict == null ? "holds" : "violated");
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  /** A progress bar on stderr: in place on a terminal, a line per tenth otherwise. */
  static final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final AtomicInteger done = new AtomicInteger();
    private volatile int total;
    private int lastTenth = -1;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream out, String label) {
      this.out = out;
      this.label = label;
    }

    void add(int n) {
      total += n;
    }

    void step() {
      int d = done.incrementAndGet();
      print(d, false);
    }

    void finish() {
      print(done.get(), true);
      if (out != null && terminal) {
        out.println();
      }
    }

    private synchronized void print(int d, boolean force) {
      if (out == null) {
        return;
      }
      int tenth = total == 0 ? 10 : d * 10 / total;
      if (!force && !terminal && tenth == lastTenth) {
        return;
      }
      lastTenth = tenth;
      int filled = total == 0 ? 30 : d * 30 / total;
      double s = (System.nanoTime() - start) / 1e9;
      out.printf(Locale.ROOT, "%s%s [%s%s] %d/%d runs %.0f s (%.1f runs/s)%s", terminal ? "\r" : "", label,
          "#".repeat(filled), ".".repeat(30 - filled), d, total, s, s > 0 ? d / s : 0.0, terminal ? "" : "\n");
      out.flush();
    }
  }
}
