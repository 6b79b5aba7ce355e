package io.leasecr.node.drillfile;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.scenario.YamlNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a drill file (docs/drill-format.md): a scenario file plus {@code nodes:}, {@code spare_nodes:},
 * {@code placement:}, {@code generate:}, {@code scale:}, {@code faults:} (a random schedule) and node-level
 * steps (crash, partition, pause, resume, journal, skew, start_node, open_generated; {@code on:} and
 * {@code only_node:} in a restart). It works on the YAML tree, as the {@link ScenarioParser} does, in any
 * layout YAML allows: the drill parts are read and checked here, then taken out of the tree (a node-level
 * step becomes a no-op step at its time, so step numbers stay the file's; generated processes and files are
 * added as nodes) and the tree is handed to the scenario parser. Every error names the file and line.
 */
public final class DrillParser {

  private static final Set<String> SCENARIO_TOP = Set.of(
      "name", "description", "seed", "sysctl", "files", "processes", "steps", "expect", "end");
  private static final Set<String> DRILL_TOP = Set.of("nodes", "placement", "generate", "spare_nodes", "scale", "faults");
  private static final Set<String> GENERATE = Set.of("processes", "over", "pid_from", "files");
  /** Node-level steps and the keys each takes besides 'at' and its own. */
  private static final Map<String, Set<String>> DRILL_STEPS = Map.of(
      "start_node", Set.of(), "crash", Set.of(), "partition", Set.of("for"), "pause", Set.of("for"),
      "resume", Set.of(), "journal", Set.of("for"), "skew", Set.of("by"), "open_generated", Set.of());
  private static final Pattern NODE = Pattern.compile("[a-z][a-z0-9-]*");

  private final String file;
  private List<String> nodes;
  private List<String> spares = List.of();
  private final Set<String> started = new HashSet<>();
  private final Set<String> generated = new HashSet<>();
  private String genPrefix = "/gen/f";
  /** Declared and generated process names by the node they are placed on. */
  private final Map<String, List<String>> namesOn = new HashMap<>();
  private final Map<Integer, Drill.Fault> faults = new LinkedHashMap<>();
  private final Map<Integer, List<String>> restartOn = new LinkedHashMap<>();
  private final Map<Integer, Syscall.Open> openGenerated = new LinkedHashMap<>();
  /** Node to the drill ms its pause ends (MAX_VALUE: until a resume step), and the step that paused it. */
  private final Map<String, Long> pausedUntil = new HashMap<>();
  private final Map<String, Integer> pauseStep = new HashMap<>();
  /** Node to the drill ms it was crashed at. */
  private final Map<String, Long> crashedAt = new HashMap<>();
  private long journalDownUntil = -1;
  private int journalDownStep;

  private DrillParser(String file) {
    this.file = file;
  }

  public static Drill parse(Path path) {
    return parse(path.toString(), YamlNode.readFile(path));
  }

  public static Drill parse(String file, String text) {
    return new DrillParser(file).parse(YamlNode.load(file, text, "the drill"));
  }

  private Drill parse(YamlNode doc) {
    Set<String> allowed = new HashSet<>(SCENARIO_TOP);
    allowed.addAll(DRILL_TOP);
    Map<String, YamlNode> top = doc.map(allowed);
    YamlNode nodesNode = top.get("nodes");
    if (nodesNode == null) {
      throw new ScenarioException(file, 1, "a drill needs 'nodes: [n1, n2, ...]'");
    }
    nodes = nodeNames(nodesNode, List.of());
    if (nodes.isEmpty()) {
      throw nodesNode.error("a drill needs at least one node");
    }
    started.addAll(nodes);
    if (top.containsKey("spare_nodes")) {
      spares = nodeNames(top.get("spare_nodes"), nodes);
    }
    double scale = 1.0;
    if (top.containsKey("scale")) {
      YamlNode sc = top.get("scale");
      scale = sc.number();
      if (!(scale > 0 && scale <= 1000)) {
        throw sc.error("scale is emulated seconds per wall second, above 0 and at most 1000, got " + sc.text());
      }
    }
    Map<String, String> placement = new LinkedHashMap<>();
    Map<String, Integer> placementLines = new HashMap<>();
    if (top.containsKey("placement")) {
      for (Map.Entry<String, YamlNode> e : top.get("placement").map(null).entrySet()) {
        String node = e.getValue().text();
        if (!nodes.contains(node)) {
          throw e.getValue().error("placement of " + e.getKey() + ": no node '" + node + "' (nodes: " + nodes + ")");
        }
        placement.put(e.getKey(), node);
        placementLines.put(e.getKey(), e.getValue().line());
      }
    }
    if (top.containsKey("processes")) {
      for (YamlNode p : top.get("processes").list()) {
        YamlNode name = p.isScalar() ? null : p.map(null).get("name");
        if (name != null) {
          namesOn.computeIfAbsent(placement.getOrDefault(name.text(), nodes.get(0)), k -> new ArrayList<>()).add(name.text());
        }
      }
    }
    List<Node> genProcs = new ArrayList<>();
    List<Node> genFiles = new ArrayList<>();
    if (top.containsKey("generate")) {
      generate(top.get("generate"), placement, genProcs, genFiles);
    }
    List<RandomFaults.Planned> planned = List.of();
    String plannedHeader = null;
    if (top.containsKey("faults")) {
      RandomFaults random = RandomFaults.parse(top.get("faults"), nodes);
      planned = random.plan();
      plannedHeader = random.header(planned.size());
    }
    // the steps: the file's, with the random schedule's merged in by time; drill steps become no-op steps
    List<Node> stepNodes = new ArrayList<>();
    if (top.containsKey("steps")) {
      List<YamlNode> items = top.get("steps").list();
      List<YamlNode> merged = merge(items, planned, top.get("faults"));
      int number = 0;
      for (YamlNode step : merged) {
        number++;
        stepNodes.add(step.isScalar() ? step.node() : drillStep(number, step));
      }
    } else if (!planned.isEmpty()) {
      throw top.get("faults").error("a random fault schedule needs a 'steps:' section (it may be empty: steps: [])");
    }
    // the scenario: the tree without the drill's keys, with generated processes and files added
    MappingNode root = (MappingNode) doc.node();
    List<NodeTuple> kept = new ArrayList<>();
    for (NodeTuple t : root.getValue()) {
      String key = ((ScalarNode) t.getKeyNode()).getValue();
      if (DRILL_TOP.contains(key)) {
        continue;
      }
      Node value = t.getValueNode();
      if (key.equals("steps")) {
        value = seq(stepNodes, value.getStartMark());
      } else if (key.equals("processes") && !genProcs.isEmpty()) {
        value = appended(value, genProcs);
      } else if (key.equals("files") && !genFiles.isEmpty()) {
        value = appended(value, genFiles);
      }
      kept.add(new NodeTuple(t.getKeyNode(), value));
    }
    for (String section : List.of("processes", "files")) {
      List<Node> gen = section.equals("processes") ? genProcs : genFiles;
      if (!gen.isEmpty() && !top.containsKey(section)) {
        kept.add(new NodeTuple(scalar(section, root.getStartMark()), seq(gen, root.getStartMark())));
      }
    }
    Scenario scenario = ScenarioParser.parse(YamlNode.of(file,
        new MappingNode(Tag.MAP, true, kept, root.getStartMark(), root.getEndMark(), root.getFlowStyle()), "the drill"));
    checkScenario(scenario, placement, placementLines);
    List<String> plannedText = new ArrayList<>();
    if (plannedHeader != null) {
      plannedText.add(plannedHeader);
      planned.forEach(pl -> plannedText.add(pl.text()));
    }
    return Drill.of(scenario, List.copyOf(nodes), List.copyOf(spares), scale, Map.copyOf(placement), Map.copyOf(faults),
        Map.copyOf(restartOn), Map.copyOf(openGenerated), Set.copyOf(generated), plannedText);
  }

  /** generate: N processes G1..GN (pids pid_from..), each with its own file FILESi, round-robin over the nodes. */
  private void generate(YamlNode gen, Map<String, String> placement, List<Node> procs, List<Node> files) {
    Map<String, YamlNode> g = gen.map(GENERATE);
    YamlNode countNode = g.get("processes");
    if (countNode == null) {
      throw gen.error("generate needs 'processes: N' (how many)");
    }
    int count = countNode.intValue();
    if (count < 1 || count > 100_000) {
      throw countNode.error("generate: processes must be 1..100000, got " + count);
    }
    List<String> over = new ArrayList<>();
    if (g.containsKey("over")) {
      for (YamlNode n : g.get("over").list()) {
        checkNode(n, nodes);
        over.add(n.text());
      }
      if (over.isEmpty()) {
        throw g.get("over").error("generate: 'over' needs at least one node");
      }
    } else {
      over.addAll(nodes);
    }
    int pidFrom = g.containsKey("pid_from") ? g.get("pid_from").intValue() : 10_001;
    if (pidFrom < 2 || (long) pidFrom + count > 4_000_000) {
      throw (g.containsKey("pid_from") ? g.get("pid_from") : countNode).error(
          "generate: pids " + pidFrom + ".." + ((long) pidFrom + count - 1) + " are out of range (2..4000000)");
    }
    String prefix = g.containsKey("files") ? g.get("files").text() : "/gen/f";
    if (!prefix.startsWith("/")) {
      throw g.get("files").error("generate: files is a path prefix, absolute: got '" + prefix + "'");
    }
    genPrefix = prefix;
    Mark at = gen.node().getStartMark();
    for (int i = 1; i <= count; i++) {
      String name = "G" + i;
      String node = over.get((i - 1) % over.size());
      if (placement.containsKey(name)) {
        throw gen.error("generate makes process " + name + ", which the drill already places");
      }
      placement.put(name, node);
      placement.put(prefix + i, node);
      generated.add(name);
      namesOn.computeIfAbsent(node, k -> new ArrayList<>()).add(name);
      procs.add(map(at, "name", name, "pid", String.valueOf(pidFrom + i - 1)));
      files.add(map(at, "path", prefix + i));
    }
  }

  /** The file's steps with the planned random ones merged in, in time order (the file's first at equal times). */
  private static List<YamlNode> merge(List<YamlNode> items, List<RandomFaults.Planned> planned, YamlNode faultsNode) {
    if (planned.isEmpty()) {
      return items;
    }
    List<YamlNode> out = new ArrayList<>();
    int j = 0;
    for (YamlNode item : items) {
      long at = item.isScalar() ? 0 : atOf(item);
      while (j < planned.size() && planned.get(j).atMs() < at) {
        out.add(planned.get(j++).node(faultsNode));
      }
      out.add(item);
    }
    while (j < planned.size()) {
      out.add(planned.get(j++).node(faultsNode));
    }
    return out;
  }

  private static long atOf(YamlNode step) {
    YamlNode at = step.map(null).get("at");
    return at == null ? 0 : at.millis();
  }

  /** One step: a drill step is read and becomes a no-op step at its time; a restart loses on/only_node. */
  private Node drillStep(int number, YamlNode step) {
    Map<String, YamlNode> keys = step.map(null);
    MappingNode m = (MappingNode) step.node();
    List<String> verbs = keys.keySet().stream().filter(DRILL_STEPS::containsKey)
        .filter(k -> !(k.equals("journal") && keys.containsKey("restart"))).toList();
    if (verbs.size() > 1) {
      throw step.error("step " + number + " has two actions: " + String.join(" and ", verbs));
    }
    if (verbs.isEmpty()) {
      if (keys.containsKey("on") || keys.containsKey("only_node")) {
        return restartStep(number, step, keys, m);
      }
      return m;
    }
    String verb = verbs.get(0);
    for (String k : keys.keySet()) {
      if (!k.equals("at") && !k.equals(verb) && !DRILL_STEPS.get(verb).contains(k)) {
        throw keys.get(k).error("'" + k + "' does not go with " + verb + " (it takes: "
            + String.join(", ", new TreeSet<>(DRILL_STEPS.get(verb))) + (DRILL_STEPS.get(verb).isEmpty() ? "at" : ", at")
            + ")");
      }
    }
    long at = keys.containsKey("at") ? keys.get("at").millis() : 0;
    YamlNode target = keys.get(verb);
    Drill.Fault fault = switch (verb) {
      case "start_node" -> startNode(target);
      case "crash" -> crash(target, at);
      case "partition" -> partition(target, keys.get("for"), step, at);
      case "pause" -> pause(number, target, keys.get("for"), at);
      case "resume" -> resume(number, target, at);
      case "journal" -> journal(number, target, keys.get("for"), at);
      case "skew" -> skew(target, keys.get("by"), step, at);
      default -> openGenerated(number, target, step);
    };
    if (fault != null) {
      faults.put(number, fault);
    }
    // the no-op in its place: the step's 'at' and proc_locks (the runner acts on the fault instead)
    List<NodeTuple> noop = new ArrayList<>();
    for (NodeTuple t : m.getValue()) {
      if (((ScalarNode) t.getKeyNode()).getValue().equals("at")) {
        noop.add(t);
      }
    }
    noop.add(new NodeTuple(scalar("proc_locks", m.getStartMark()), scalar("true", m.getStartMark())));
    return new MappingNode(Tag.MAP, true, noop, m.getStartMark(), m.getEndMark(), DumperOptions.FlowStyle.FLOW);
  }

  private Drill.Fault startNode(YamlNode target) {
    if (!spares.contains(target.text())) {
      throw target.error("start_node starts one of the spare_nodes (" + String.join(", ", spares) + "), got '"
          + target.text() + "'");
    }
    if (!started.add(target.text())) {
      throw target.error("node " + target.text() + " is started twice");
    }
    return new Drill.StartNode(target.text());
  }

  private Drill.Fault crash(YamlNode target, long at) {
    List<String> victims = new ArrayList<>();
    for (YamlNode n : target.isScalar() ? List.of(target) : target.list()) {
      checkLive(n, at);
      if (victims.contains(n.text())) {
        throw n.error("node " + n.text() + " is named twice in one crash");
      }
      victims.add(n.text());
    }
    if (victims.isEmpty()) {
      throw target.error("crash needs a node or a list of nodes: crash: n2 or crash: [n2, n3]");
    }
    victims.forEach(v -> crashedAt.put(v, at));
    return new Drill.Crash(List.copyOf(victims));
  }

  private Drill.Fault partition(YamlNode target, YamlNode forNode, YamlNode step, long at) {
    checkLive(target, at);
    if (forNode == null) {
      throw step.error("a partition step needs 'for: 5s' (how long the node is cut off)");
    }
    return new Drill.Partition(target.text(), positive(forNode, "a partition"));
  }

  private Drill.Fault pause(int number, YamlNode target, YamlNode forNode, long at) {
    checkLive(target, at);
    if (paused(target.text(), at)) {
      throw target.error("node " + target.text() + " is already paused at " + at + " ms");
    }
    long forMs = forNode == null ? -1 : positive(forNode, "a pause");
    pausedUntil.put(target.text(), forMs < 0 ? Long.MAX_VALUE : at + forMs);
    pauseStep.put(target.text(), number);
    return new Drill.Pause(target.text(), forMs < 0 ? -1 : at + forMs);
  }

  private Drill.Fault resume(int number, YamlNode target, long at) {
    checkNode(target, allNodes());
    if (!paused(target.text(), at)) {
      throw target.error("resume " + target.text() + ": the node is not paused at " + at + " ms");
    }
    pausedUntil.put(target.text(), at);
    int p = pauseStep.get(target.text());
    Drill.Pause before = (Drill.Pause) faults.get(p);
    faults.put(p, new Drill.Pause(before.node(), before.untilMs() < 0 ? at : Math.min(at, before.untilMs())));
    return new Drill.Resume(target.text());
  }

  private Drill.Fault journal(int number, YamlNode target, YamlNode forNode, long at) {
    String what = target.text();
    boolean down = journalDownUntil == Long.MAX_VALUE || journalDownUntil > at;
    if (what.equals("down")) {
      if (down) {
        throw target.error("the journal is already down at " + at + " ms");
      }
      long forMs = forNode == null ? -1 : positive(forNode, "an outage");
      journalDownUntil = forMs < 0 ? Long.MAX_VALUE : at + forMs;
      journalDownStep = number;
      return new Drill.Journal(true, forMs < 0 ? -1 : at + forMs);
    }
    if (what.equals("up")) {
      if (forNode != null) {
        throw forNode.error("'for' belongs to journal: down (journal: up starts it at once)");
      }
      if (!down) {
        throw target.error("journal: up, but the journal is not down at " + at + " ms");
      }
      Drill.Journal before = (Drill.Journal) faults.get(journalDownStep);
      faults.put(journalDownStep, new Drill.Journal(true, before.untilMs() < 0 ? at : Math.min(at, before.untilMs())));
      journalDownUntil = at;
      return new Drill.Journal(false, -1);
    }
    throw target.error("journal takes down or up, got '" + what + "'");
  }

  private Drill.Fault skew(YamlNode target, YamlNode by, YamlNode step, long at) {
    checkLive(target, at);
    if (by == null) {
      throw step.error("a skew step needs 'by: 2s' (ahead) or 'by: -2s' (behind)");
    }
    // a skew may be negative (behind): the sign is the skew's, the rest a duration like any other
    String t = by.text();
    boolean behind = t.startsWith("-");
    YamlNode size = behind ? YamlNode.of(by.file(), scalar(t.substring(1).trim(), by.node().getStartMark()), "by") : by;
    long ms = behind ? -size.millis() : size.millis();
    if (Math.abs(ms) > 3_600_000) {
      throw by.error("a skew is at most an hour either way, got " + by.text());
    }
    return new Drill.Skew(target.text(), ms);
  }

  private Drill.Fault openGenerated(int number, YamlNode target, YamlNode step) {
    if (generated.isEmpty()) {
      throw step.error("open_generated needs a 'generate:' section");
    }
    String mode = target.text();
    if (!Set.of("O_RDONLY", "O_WRONLY", "O_RDWR").contains(mode)) {
      throw target.error("open_generated takes O_RDONLY, O_WRONLY or O_RDWR, got '" + mode + "'");
    }
    openGenerated.put(number, new Syscall.Open(genPrefix, AccessMode.valueOf(mode), false, false));
    return null;
  }

  /** A restart with {@code on:} (where) or {@code only_node:} (whose processes): the scenario sees 'only'. */
  private Node restartStep(int number, YamlNode step, Map<String, YamlNode> keys, MappingNode m) {
    YamlNode any = keys.containsKey("on") ? keys.get("on") : keys.get("only_node");
    if (!keys.containsKey("restart")) {
      throw any.error("'" + (keys.containsKey("on") ? "on" : "only_node") + "' belongs to a restart step");
    }
    long at = keys.containsKey("at") ? keys.get("at").millis() : 0;
    if (keys.containsKey("on")) {
      YamlNode on = keys.get("on");
      List<String> targets = new ArrayList<>();
      for (YamlNode n : on.isScalar() ? List.of(on) : on.list()) {
        checkLive(n, Long.MIN_VALUE);
        targets.add(n.text());
      }
      if (targets.isEmpty()) {
        throw on.error("'on' needs at least one node");
      }
      restartOn.put(number, List.copyOf(targets));
    }
    List<String> only = null;
    if (keys.containsKey("only_node")) {
      if (keys.containsKey("only")) {
        throw keys.get("only_node").error("write 'only' or 'only_node', not both");
      }
      YamlNode n = keys.get("only_node");
      checkNode(n, nodes);
      only = namesOn.getOrDefault(n.text(), List.of());
      if (only.isEmpty()) {
        throw n.error("only_node: no process is placed on " + n.text());
      }
      if (restartOn.getOrDefault(number, List.of()).contains(n.text())) {
        throw n.error("only_node " + n.text() + ": its processes cannot be restarted on the same node");
      }
    }
    List<NodeTuple> kept = new ArrayList<>();
    for (NodeTuple t : m.getValue()) {
      String k = ((ScalarNode) t.getKeyNode()).getValue();
      if (k.equals("only_node")) {
        List<Node> names = new ArrayList<>();
        only.forEach(x -> names.add(scalar(x, t.getValueNode().getStartMark())));
        kept.add(new NodeTuple(scalar("only", t.getKeyNode().getStartMark()), seq(names, t.getValueNode().getStartMark())));
      } else if (!k.equals("on")) {
        kept.add(t);
      }
    }
    return new MappingNode(Tag.MAP, true, kept, m.getStartMark(), m.getEndMark(), m.getFlowStyle());
  }

  /** A drill checks its invariants: what a scenario would check instead is refused, as are forked processes. */
  private void checkScenario(Scenario scenario, Map<String, String> placement, Map<String, Integer> placementLines) {
    for (Step step : scenario.steps()) {
      if (step.action() instanceof Step.Checkpoint c && !c.leaveRunning()) {
        throw new ScenarioException(file, step.line(), "in a drill the tree keeps running after a checkpoint "
            + "(faults end it, not the dump): write leave_running: true");
      }
      if (step.action() instanceof Step.Restart r && r.id() == null) {
        throw new ScenarioException(file, step.line(), "a drill restarts from a committed checkpoint (restart: ID), "
            + "not from an image file");
      }
      if (step.expect() != null && !step.expect().isEmpty()) {
        throw new ScenarioException(file, step.line(), "expectations are not checked in drills (yet): "
            + "the drill checks its invariants; remove 'expect' here");
      }
    }
    if (!scenario.expectations().isEmpty()) {
      throw new ScenarioException(file, scenario.expectations().get(0).line(),
          "expectations are not checked in drills (yet): remove the top-level 'expect'");
    }
    for (Scenario.ProcessDecl p : scenario.processes()) {
      if (p.forked()) {
        throw new ScenarioException(file, p.line(), "forked processes are not supported in drills yet");
      }
    }
    Set<String> known = new HashSet<>();
    scenario.processes().forEach(p -> known.add(p.name()));
    for (Inode inode : scenario.vfs().inodes()) {
      known.add(inode.path());
    }
    for (String what : placement.keySet()) {
      if (!known.contains(what)) {
        throw new ScenarioException(file, placementLines.get(what),
            "placement names '" + what + "', which is neither a process nor a file of the drill");
      }
    }
  }

  /** The node names of a list, none twice and none among {@code taken}. */
  private static List<String> nodeNames(YamlNode list, List<String> taken) {
    List<String> names = new ArrayList<>();
    for (YamlNode n : list.list()) {
      String name = n.text();
      if (!NODE.matcher(name).matches() || name.equals("node") || name.equals("driver")) {
        throw n.error("a node name is lower-case letters, digits and '-' (and not 'node' or 'driver'), got '" + name + "'");
      }
      if (taken.contains(name) || names.contains(name)) {
        throw n.error("node " + name + " is listed twice");
      }
      names.add(name);
    }
    return names;
  }

  private List<String> allNodes() {
    List<String> all = new ArrayList<>(nodes);
    all.addAll(spares);
    return all;
  }

  /**
   * A node a step names must exist, if a spare have been started by an earlier step, and (at {@code at})
   * not have been crashed.
   */
  private void checkLive(YamlNode n, long at) {
    checkNode(n, allNodes());
    if (!started.contains(n.text())) {
      throw n.error("node " + n.text() + " is a spare node not started yet: add - {at: ..., start_node: " + n.text()
          + "} before this step");
    }
    Long crashed = crashedAt.get(n.text());
    if (crashed != null && at != Long.MIN_VALUE) {
      throw n.error("node " + n.text() + " was crashed at " + crashed + " ms");
    }
  }

  private boolean paused(String node, long at) {
    long until = pausedUntil.getOrDefault(node, -1L);
    return until == Long.MAX_VALUE || until > at;
  }

  private static void checkNode(YamlNode n, List<String> nodes) {
    if (!nodes.contains(n.text())) {
      throw n.error("no node '" + n.text() + "' (nodes: " + String.join(", ", nodes) + ")");
    }
  }

  private static long positive(YamlNode forNode, String what) {
    long ms = forNode.millis();
    if (ms <= 0) {
      throw forNode.error(what + " lasts more than 0 s, got " + forNode.text());
    }
    return ms;
  }

  static ScalarNode scalar(String value, Mark at) {
    return new ScalarNode(Tag.STR, value, at, at, DumperOptions.ScalarStyle.PLAIN);
  }

  static SequenceNode seq(List<Node> items, Mark at) {
    return new SequenceNode(Tag.SEQ, true, items, at, at, DumperOptions.FlowStyle.BLOCK);
  }

  /** A flow mapping of key, value, key, value ... scalars, at {@code at}. */
  static MappingNode map(Mark at, String... kv) {
    List<NodeTuple> tuples = new ArrayList<>();
    for (int i = 0; i < kv.length; i += 2) {
      tuples.add(new NodeTuple(scalar(kv[i], at), scalar(kv[i + 1], at)));
    }
    return new MappingNode(Tag.MAP, true, tuples, at, at, DumperOptions.FlowStyle.FLOW);
  }

  /** A sequence with {@code more} after its items (a flow [] too); a non-sequence is left for the scenario parser. */
  private static Node appended(Node section, List<Node> more) {
    if (!(section instanceof SequenceNode s)) {
      return section;
    }
    List<Node> all = new ArrayList<>(s.getValue());
    all.addAll(more);
    return seq(all, s.getStartMark());
  }
}
