package io.leasecr.node.drill;

import io.leasecr.core.locks.Inode;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.scenario.YamlNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a drill file: a scenario file plus {@code nodes:}, {@code placement:}, node-level steps
 * ({@code - {at: 3s, crash: n2}}, {@code - {at: 3s, partition: n2, for: 5s}}) and {@code on: NODE} in a
 * restart step, {@code spare_nodes:} started by {@code - {at: 9s, start_node: n4}}, {@code scale:}
 * (emulated seconds per wall second). The drill parts are checked here; the rest is handed to the {@link ScenarioParser} with
 * the drill parts blanked out line for line (a fault step becomes a no-op step), so every error still
 * names the file and line. Drill-only steps must be written on one line, in flow style.
 */
public final class DrillParser {

  private static final Set<String> TOP = Set.of(
      "name", "description", "seed", "sysctl", "files", "processes", "steps", "expect", "end", "nodes", "placement", "generate",
      "spare_nodes", "scale");
  private static final Set<String> GENERATE = Set.of("processes", "over", "pid_from", "files");
  private static final Pattern NODE = Pattern.compile("[a-z][a-z0-9-]*");

  private DrillParser() {}

  public static Drill parse(Path path) {
    return parse(path.toString(), YamlNode.readFile(path));
  }

  public static Drill parse(String file, String text) {
    String[] lines = text.split("\n", -1);
    Map<String, YamlNode> top = YamlNode.load(file, text, "the drill").map(TOP);
    YamlNode nodesNode = top.get("nodes");
    if (nodesNode == null) {
      throw new ScenarioException(file, 1, "a drill needs 'nodes: [n1, n2, ...]'");
    }
    List<String> nodes = nodeNames(nodesNode, List.of());
    if (nodes.isEmpty()) {
      throw nodesNode.error("a drill needs at least one node");
    }
    blankTopLevel(lines, "nodes");
    List<String> spares = List.of();
    if (top.containsKey("spare_nodes")) {
      spares = nodeNames(top.get("spare_nodes"), nodes);
      blankTopLevel(lines, "spare_nodes");
    }
    List<String> allNodes = new ArrayList<>(nodes);
    allNodes.addAll(spares);
    double scale = 1.0;
    if (top.containsKey("scale")) {
      YamlNode sc = top.get("scale");
      scale = sc.number();
      if (!(scale > 0 && scale <= 1000)) {
        throw sc.error("scale is emulated seconds per wall second, above 0 and at most 1000, got " + sc.text());
      }
      blankTopLevel(lines, "scale");
    }
    Set<String> started = new HashSet<>(nodes);
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
      blankTopLevel(lines, "placement");
    }
    // generate: N processes G1..GN (pids pid_from..), each with its own file FILESi, round-robin over the nodes
    List<String> genProcs = new ArrayList<>();
    String genPrefix = "/gen/f";
    List<String> genFiles = new ArrayList<>();
    Set<String> generated = new HashSet<>();
    Map<String, List<String>> namesOn = new HashMap<>();
    if (top.containsKey("processes")) {
      for (YamlNode p : top.get("processes").list()) {
        YamlNode name = p.isScalar() ? null : p.map(null).get("name");
        if (name != null) {
          namesOn.computeIfAbsent(placement.getOrDefault(name.text(), nodes.get(0)), k -> new ArrayList<>()).add(name.text());
        }
      }
    }
    if (top.containsKey("generate")) {
      Map<String, YamlNode> g = top.get("generate").map(GENERATE);
      YamlNode countNode = g.get("processes");
      if (countNode == null) {
        throw top.get("generate").error("generate needs 'processes: N' (how many)");
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
      genPrefix = prefix;
      if (!prefix.startsWith("/")) {
        throw g.get("files").error("generate: files is a path prefix, absolute: got '" + prefix + "'");
      }
      for (int i = 1; i <= count; i++) {
        String name = "G" + i;
        String node = over.get((i - 1) % over.size());
        if (placement.containsKey(name)) {
          throw top.get("generate").error("generate makes process " + name + ", which the drill already places");
        }
        placement.put(name, node);
        placement.put(prefix + i, node);
        generated.add(name);
        namesOn.computeIfAbsent(node, k -> new ArrayList<>()).add(name);
        genProcs.add("  - {name: " + name + ", pid: " + (pidFrom + i - 1) + "}");
        genFiles.add("  - {path: " + prefix + i + "}");
      }
      blankTopLevel(lines, "generate");
    }
    Map<Integer, Drill.Fault> faults = new LinkedHashMap<>();
    Map<Integer, List<String>> restartOn = new LinkedHashMap<>();
    Map<Integer, io.leasecr.core.process.Syscall.Open> openGenerated = new LinkedHashMap<>();
    Map<String, Long> pausedUntil = new HashMap<>(); // node to the drill ms its pause ends (MAX: no end yet)
    Map<String, Integer> pauseSteps = new HashMap<>();
    Map<Integer, String> userOnly = new HashMap<>(); // line index to the line with only_node as the file's own processes
    if (top.containsKey("steps")) {
      int number = 0;
      for (YamlNode step : top.get("steps").list()) {
        number++;
        Map<String, YamlNode> keys = step.map(null);
        int ln = step.line() - 1;
        if (keys.containsKey("start_node")) {
          YamlNode target = keys.get("start_node");
          oneLine(step, lines[ln], "start_node");
          if (!spares.contains(target.text())) {
            throw target.error("start_node starts one of the spare_nodes (" + String.join(", ", spares) + "), got '"
                + target.text() + "'");
          }
          if (!started.add(target.text())) {
            throw target.error("node " + target.text() + " is started twice");
          }
          faults.put(number, new Drill.StartNode(target.text()));
          lines[ln] = lines[ln].replaceFirst("start_node:\\s*[^,}]+", "proc_locks: true");
        } else if (keys.containsKey("crash") || keys.containsKey("partition")) {
          boolean crash = keys.containsKey("crash");
          YamlNode target = keys.get(crash ? "crash" : "partition");
          checkStarted(target, allNodes, started);
          oneLine(step, lines[ln], crash ? "crash" : "partition");
          if (crash) {
            faults.put(number, new Drill.Crash(target.text()));
          } else {
            YamlNode forNode = keys.get("for");
            if (forNode == null) {
              throw step.error("a partition step needs 'for: 5s' (how long the node is cut off)");
            }
            faults.put(number, new Drill.Partition(target.text(), forNode.millis()));
          }
          lines[ln] = lines[ln].replaceFirst("(crash|partition):\\s*[^,}]+", "proc_locks: true")
              .replaceFirst(",\\s*for:\\s*[^,}]+", "");
        } else if (keys.containsKey("pause") || keys.containsKey("resume")) {
          boolean pause = keys.containsKey("pause");
          YamlNode target = keys.get(pause ? "pause" : "resume");
          checkStarted(target, allNodes, started);
          oneLine(step, lines[ln], pause ? "pause" : "resume");
          long at = keys.containsKey("at") ? keys.get("at").millis() : 0;
          long until = pausedUntil.getOrDefault(target.text(), -1L);
          boolean stopped = until == Long.MAX_VALUE || until > at;
          if (pause) {
            if (stopped) {
              throw target.error("node " + target.text() + " is already paused at " + at + " ms");
            }
            long forMs = -1;
            if (keys.containsKey("for")) {
              forMs = keys.get("for").millis();
              if (forMs <= 0) {
                throw keys.get("for").error("a pause lasts more than 0 s, got " + keys.get("for").text());
              }
            }
            pausedUntil.put(target.text(), forMs < 0 ? Long.MAX_VALUE : at + forMs);
            pauseSteps.put(target.text(), number);
            faults.put(number, new Drill.Pause(target.text(), forMs < 0 ? -1 : at + forMs));
          } else {
            if (keys.containsKey("for")) {
              throw keys.get("for").error("'for' belongs to a pause step (resume: NODE resumes at once)");
            }
            if (!stopped) {
              throw target.error("resume " + target.text() + ": the node is not paused at " + at + " ms");
            }
            pausedUntil.put(target.text(), at);
            int p = pauseSteps.get(target.text());
            Drill.Pause before = (Drill.Pause) faults.get(p);
            faults.put(p, new Drill.Pause(before.node(), before.untilMs() < 0 ? at : Math.min(at, before.untilMs())));
            faults.put(number, new Drill.Resume(target.text()));
          }
          lines[ln] = lines[ln].replaceFirst("(pause|resume):\\s*[^,}]+", "proc_locks: true")
              .replaceFirst(",\\s*for:\\s*[^,}]+", "");
        } else if (keys.containsKey("open_generated")) {
          oneLine(step, lines[ln], "open_generated");
          if (generated.isEmpty()) {
            throw step.error("open_generated needs a 'generate:' section");
          }
          String mode = keys.get("open_generated").text();
          if (!Set.of("O_RDONLY", "O_WRONLY", "O_RDWR").contains(mode)) {
            throw keys.get("open_generated").error("open_generated takes O_RDONLY, O_WRONLY or O_RDWR, got '" + mode + "'");
          }
          openGenerated.put(number, new io.leasecr.core.process.Syscall.Open(genPrefix,
              io.leasecr.core.locks.AccessMode.valueOf(mode), false, false));
          lines[ln] = lines[ln].replaceFirst("open_generated:\\s*[^,}]+", "proc_locks: true");
        } else if (keys.containsKey("on") || keys.containsKey("only_node")) {
          YamlNode any = keys.containsKey("on") ? keys.get("on") : keys.get("only_node");
          if (!keys.containsKey("restart")) {
            throw any.error("'" + (keys.containsKey("on") ? "on" : "only_node") + "' belongs to a restart step");
          }
          oneLine(step, lines[ln], "restart ... on");
          if (keys.containsKey("on")) {
            YamlNode on = keys.get("on");
            List<String> targets = new ArrayList<>();
            for (YamlNode n : on.isScalar() ? List.of(on) : on.list()) {
              checkStarted(n, allNodes, started);
              targets.add(n.text());
            }
            if (targets.isEmpty()) {
              throw on.error("'on' needs at least one node");
            }
            restartOn.put(number, List.copyOf(targets));
            lines[ln] = lines[ln].replaceFirst(",\\s*on:\\s*(\\[[^\\]]*\\]|[^,}]+)", "");
          }
          if (keys.containsKey("only_node")) {
            if (keys.containsKey("only")) {
              throw keys.get("only_node").error("write 'only' or 'only_node', not both");
            }
            YamlNode n = keys.get("only_node");
            checkNode(n, nodes);
            List<String> names = namesOn.getOrDefault(n.text(), List.of());
            if (names.isEmpty()) {
              throw n.error("only_node: no process is placed on " + n.text());
            }
            if (restartOn.getOrDefault(number, List.of()).contains(n.text())) {
              throw n.error("only_node " + n.text() + ": its processes cannot be restarted on the same node");
            }
            List<String> declared = names.stream().filter(x -> !generated.contains(x)).toList();
            userOnly.put(ln, lines[ln].replaceFirst(declared.isEmpty() ? ",\\s*only_node:\\s*[^,}]+" : "only_node:\\s*[^,}]+",
                declared.isEmpty() ? "" : "only: [" + String.join(", ", declared) + "]"));
            lines[ln] = lines[ln].replaceFirst("only_node:\\s*[^,}]+", "only: [" + String.join(", ", names) + "]");
          }
        }
      }
    }
    String[] userLines = lines.clone();
    userOnly.forEach((i, l) -> userLines[i] = l);
    Scenario scenario = ScenarioParser.parse(file, String.join("\n", userLines));
    Scenario userPart = scenario;
    if (!generated.isEmpty() || !userOnly.isEmpty()) {
      // the generated processes and files go at the end of their sections: the file's own lines were checked above
      List<String> all = new ArrayList<>(List.of(lines));
      insertIntoSection(all, "files", genFiles);
      insertIntoSection(all, "processes", genProcs);
      scenario = ScenarioParser.parse(file + " (with generate)", String.join("\n", all));
    }
    // a drill checks its invariants; a scenario's expectations would pass silently unchecked: refuse them
    for (io.leasecr.core.scenario.Step step : userPart.steps()) {
      if (step.action() instanceof io.leasecr.core.scenario.Step.Checkpoint c && !c.leaveRunning()) {
        throw new ScenarioException(file, step.line(), "in a drill the tree keeps running after a checkpoint "
            + "(faults end it, not the dump): write leave_running: true");
      }
      if (step.action() instanceof io.leasecr.core.scenario.Step.Restart r && r.id() == null) {
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
    return Drill.of(scenario, List.copyOf(nodes), List.copyOf(spares), scale, Map.copyOf(placement), Map.copyOf(faults), Map.copyOf(restartOn),
        Map.copyOf(openGenerated), Set.copyOf(generated));
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

  /** A node a step names must exist and, if a spare, have been started by an earlier step. */
  private static void checkStarted(YamlNode n, List<String> nodes, Set<String> started) {
    checkNode(n, nodes);
    if (!started.contains(n.text())) {
      throw n.error("node " + n.text() + " is a spare node not started yet: add - {at: ..., start_node: " + n.text()
          + "} before this step");
    }
  }

  private static void checkNode(YamlNode n, List<String> nodes) {
    if (!nodes.contains(n.text())) {
      throw n.error("no node '" + n.text() + "' (nodes: " + String.join(", ", nodes) + ")");
    }
  }

  private static void oneLine(YamlNode step, String line, String what) {
    if (!line.contains("{") || !line.contains("}")) {
      throw step.error("write a " + what + " step on one line, in flow style: - {at: 3s, crash: n2}");
    }
  }

  /** Adds generated items at the end of a top-level block sequence (creating it if absent). */
  private static void insertIntoSection(List<String> lines, String key, List<String> items) {
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith(key + ":")) {
        if (l.replaceAll("\\s", "").equals(key + ":[]")) {
          lines.set(i, key + ":");
        }
        int j = i + 1;
        while (j < lines.size() && (lines.get(j).isBlank() || lines.get(j).startsWith(" ") || lines.get(j).startsWith("-")
            || lines.get(j).startsWith("#"))) {
          j++;
        }
        lines.addAll(j, items);
        return;
      }
    }
    lines.add(key + ":");
    lines.addAll(items);
  }

  /** Comments out a top-level key and its indented (or '- ') continuation lines, keeping line numbers. */
  private static void blankTopLevel(String[] lines, String key) {
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith(key + ":")) {
        lines[i] = "#" + lines[i];
        for (int j = i + 1; j < lines.length && (lines[j].isBlank() || lines[j].startsWith(" ")
            || lines[j].startsWith("-") || lines[j].startsWith("#")); j++) {
          lines[j] = "#" + lines[j];
        }
        return;
      }
    }
  }
}
