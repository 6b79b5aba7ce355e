package io.leasecr.node.experiment;

import io.leasecr.core.input.Durations;
import io.leasecr.core.input.Texts;
import io.leasecr.core.locks.RestartPolicy;
import io.leasecr.core.restore.RestartCostModel;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.scenario.YamlNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Reads an experiment file (docs/experiment-format.md); every error names the file and the line. */
public final class ExperimentParser {

  private static final Set<String> TOP = Set.of("experiment", "description", "scenario", "holder", "breaker",
      "grid", "tree", "restart-after", "max-checkpoints", "cost-model");
  private static final Set<String> GRID = Set.of("tree-size", "busy-threads", "checkpoint-at", "policy", "mode",
      "repeat-every", "seed");
  private static final Set<String> TREE = Set.of("fanout", "files-per-process", "lease-holders");
  /** More runs than this is a typo, not a study. */
  static final long MAX_RUNS = 100_000;
  /** Values of one grid key: more than this is a typo too (and keeps the grid's size far from overflow). */
  static final int MAX_VALUES = 1000;

  private ExperimentParser() {}

  public static Experiment parse(Path file) {
    String text = YamlNode.readFile(file);
    String where = file.toString();
    YamlNode root = YamlNode.load(where, text, "the experiment");
    Map<String, YamlNode> top = root.map(TOP);
    YamlNode nameNode = required(top, "experiment", root);
    String name = nameNode.name();
    if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      // the name makes the output files' names (OUT/NAME.csv, OUT/NAME/): it must not leave --out
      throw nameNode.error("experiment name " + Texts.quote(name)
          + " is used as a file name: no '/', no '\\', and it must not start with '.'");
    }
    YamlNode scenarioNode = required(top, "scenario", root);
    Path basePath = resolve(file, scenarioNode.text());
    if (!Files.isRegularFile(basePath)) {
      throw scenarioNode.error("base scenario " + basePath + " does not exist");
    }
    Scenario base = ScenarioParser.parse(basePath); // its own errors name its own file and line
    String holder = process(base, required(top, "holder", root));
    String breaker = process(base, required(top, "breaker", root));
    if (holder.equals(breaker)) {
      throw top.get("breaker").error("holder and breaker must be two processes, both are " + holder);
    }
    for (Step s : base.steps()) {
      if (s.action() instanceof Step.Checkpoint || s.action() instanceof Step.Restart) {
        throw scenarioNode.error("the base scenario must not checkpoint or restart (step " + s.number()
            + " at " + basePath + ":" + s.line() + "): the experiment adds those");
      }
    }
    if (breakStep(base, breaker) == null) {
      throw top.get("breaker").error(breaker + " never opens or truncates a file in " + basePath
          + ": there is no break to checkpoint");
    }
    YamlNode gridNode = required(top, "grid", root);
    Map<String, YamlNode> g = gridNode.map(GRID);
    Experiment.Grid grid = new Experiment.Grid(
        values(gridNode, g, "tree-size", List.of(1), n -> (int) range(n, n.integer(), 1, 1_000_000)),
        values(gridNode, g, "busy-threads", List.of(0), n -> (int) range(n, n.integer(), 0, 10_000)),
        values(gridNode, g, "checkpoint-at", null, YamlNode::millis),
        Experiment.crossModes(values(gridNode, g, "policy", List.of("remaining"), ExperimentParser::policy),
            values(gridNode, g, "mode", List.of(io.leasecr.core.locks.RestartMode.SEED), ExperimentParser::mode)),
        values(gridNode, g, "repeat-every", List.of(0L), n -> n.text().equals("none") ? 0L : n.millis(1, Durations.MAX_MS)),
        values(gridNode, g, "seed", List.of(1L), YamlNode::integer));
    if (grid.size() > MAX_RUNS) {
      throw top.get("grid").error("the grid has " + grid.size() + " runs; at most " + MAX_RUNS);
    }
    Map<String, YamlNode> tree = top.containsKey("tree") ? top.get("tree").map(TREE) : Map.of();
    int fanout = tree.containsKey("fanout") ? (int) range(tree.get("fanout"), tree.get("fanout").integer(), 1, 1_000_000) : 8;
    int files = tree.containsKey("files-per-process")
        ? (int) range(tree.get("files-per-process"), tree.get("files-per-process").integer(), 0, 64) : 1;
    double leaseHolders = tree.containsKey("lease-holders") ? percent(tree.get("lease-holders")) : 0;
    if (leaseHolders > 0 && files == 0) {
      throw tree.get("lease-holders").error("lease-holders needs files-per-process of at least 1: a lease is "
          + "taken on a process's first file");
    }
    long restartAfter = top.containsKey("restart-after")
        ? top.get("restart-after").millis() : 0;
    int maxCheckpoints = top.containsKey("max-checkpoints")
        ? (int) range(top.get("max-checkpoints"), top.get("max-checkpoints").integer(), 1, 1000) : 8;
    String costModel = "default";
    if (top.containsKey("cost-model")) {
      YamlNode n = top.get("cost-model");
      costModel = n.text().equals("default") || n.text().equals("off") ? n.text() : resolve(file, n.text()).toString();
      try {
        if (!costModel.equals("off")) {
          RestartCostModel.load(costModel);
        }
      } catch (RestartCostModel.BadModel e) {
        throw n.error(e.getMessage());
      }
    }
    String description = top.containsKey("description") ? top.get("description").text() : "";
    return new Experiment(where, name, description, base, holder, breaker, grid, fanout, files, restartAfter,
        maxCheckpoints, costModel, leaseHolders);
  }

  /** The breaker's first open or truncate: the break the experiment checkpoints. */
  static Step breakStep(Scenario base, String breaker) {
    for (Step s : base.steps()) {
      if (s.action() instanceof Step.Call c && c.proc().equals(breaker)
          && (c.syscall() instanceof io.leasecr.core.process.Syscall.Open
              || c.syscall() instanceof io.leasecr.core.process.Syscall.Truncate)) {
        return s;
      }
    }
    return null;
  }

  private static String process(Scenario base, YamlNode n) {
    String name = n.text();
    Scenario.ProcessDecl p = base.process(name);
    if (p == null) {
      throw n.error("no process " + YamlNode.quote(name) + " in the base scenario " + base.source());
    }
    if (p.forked()) {
      throw n.error(name + " is forked during the base scenario; holder and breaker must exist from the start");
    }
    return name;
  }

  private static io.leasecr.core.locks.RestartMode mode(YamlNode n) {
    try {
      return io.leasecr.core.locks.RestartMode.parse(n.text());
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  private static String policy(YamlNode n) {
    String t = n.text();
    if (t.equals("criu")) {
      return t;
    }
    try {
      RestartPolicy.parse(t);
      return t;
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage() + " (or criu)");
    }
  }

  private static <T> List<T> values(YamlNode grid, Map<String, YamlNode> g, String key, List<T> fallback,
      Function<YamlNode, T> f) {
    YamlNode n = g.get(key);
    if (n == null) {
      if (fallback == null) {
        throw grid.error("the grid needs " + YamlNode.quote(key));
      }
      return fallback;
    }
    List<YamlNode> items = n.isScalar() ? List.of(n) : n.list();
    if (items.size() > MAX_VALUES) {
      throw n.error(key + " lists " + items.size() + " values; at most " + MAX_VALUES);
    }
    List<T> out = new ArrayList<>();
    for (YamlNode v : items) {
      T value = f.apply(v);
      if (out.contains(value)) {
        throw v.error(key + " lists " + YamlNode.quote(v.text()) + " twice");
      }
      out.add(value);
    }
    if (out.isEmpty()) {
      throw n.error(key + " must have at least one value");
    }
    return out;
  }

  /** "1%", "0.5%" or "0%": 0 to 100 percent. */
  static double percent(YamlNode n) {
    String t = n.text().strip();
    double v;
    try {
      if (!t.endsWith("%")) {
        throw new NumberFormatException();
      }
      v = Double.parseDouble(t.substring(0, t.length() - 1).strip());
    } catch (NumberFormatException e) {
      throw n.error(YamlNode.quote(t) + " is not a percentage: write it like 1% or 0.5%");
    }
    if (!(v >= 0 && v <= 100)) {
      throw n.error(t + " is out of range: must be 0% to 100%");
    }
    return v;
  }

  private static long range(YamlNode n, long v, long min, long max) {
    if (v < min || v > max) {
      throw n.error(n.text() + " is out of range: must be " + (max == Long.MAX_VALUE ? ">= " + min : min + " to " + max));
    }
    return v;
  }

  private static YamlNode required(Map<String, YamlNode> top, String key, YamlNode root) {
    YamlNode n = top.get(key);
    if (n == null) {
      throw root.error("the experiment needs " + YamlNode.quote(key));
    }
    return n;
  }

  private static Path resolve(Path file, String path) {
    Path p = Path.of(path);
    Path dir = file.toAbsolutePath().getParent();
    return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
  }
}
