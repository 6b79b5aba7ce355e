package io.leasecr.node.drill;

import io.leasecr.core.locks.Inode;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.scenario.YamlNode;
import java.io.IOException;
import java.nio.file.Files;
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
 * restart step. The drill parts are checked here; the rest is handed to the {@link ScenarioParser} with
 * the drill parts blanked out line for line (a fault step becomes a no-op step), so every error still
 * names the file and line. Drill-only steps must be written on one line, in flow style.
 */
public final class DrillParser {

  private static final Set<String> TOP = Set.of(
      "name", "description", "seed", "sysctl", "files", "processes", "steps", "expect", "end", "nodes", "placement");
  private static final Pattern NODE = Pattern.compile("[a-z][a-z0-9-]*");

  private DrillParser() {}

  public static Drill parse(Path path) {
    try {
      return parse(path.toString(), Files.readString(path));
    } catch (IOException e) {
      throw new ScenarioException(path.toString(), 0, "cannot read: " + e.getMessage());
    }
  }

  public static Drill parse(String file, String text) {
    String[] lines = text.split("\n", -1);
    Map<String, YamlNode> top = YamlNode.load(file, text, "the drill").map(TOP);
    YamlNode nodesNode = top.get("nodes");
    if (nodesNode == null) {
      throw new ScenarioException(file, 1, "a drill needs 'nodes: [n1, n2, ...]'");
    }
    List<String> nodes = new ArrayList<>();
    for (YamlNode n : nodesNode.list()) {
      String name = n.text();
      if (!NODE.matcher(name).matches() || name.equals("node") || name.equals("driver")) {
        throw n.error("a node name is lower-case letters, digits and '-' (and not 'node' or 'driver'), got '" + name + "'");
      }
      if (nodes.contains(name)) {
        throw n.error("node " + name + " is listed twice");
      }
      nodes.add(name);
    }
    if (nodes.isEmpty()) {
      throw nodesNode.error("a drill needs at least one node");
    }
    blankTopLevel(lines, "nodes");
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
    Map<Integer, Drill.Fault> faults = new LinkedHashMap<>();
    Map<Integer, String> restartOn = new LinkedHashMap<>();
    if (top.containsKey("steps")) {
      int number = 0;
      for (YamlNode step : top.get("steps").list()) {
        number++;
        Map<String, YamlNode> keys = step.map(null);
        int ln = step.line() - 1;
        if (keys.containsKey("crash") || keys.containsKey("partition")) {
          boolean crash = keys.containsKey("crash");
          YamlNode target = keys.get(crash ? "crash" : "partition");
          checkNode(target, nodes);
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
        } else if (keys.containsKey("on")) {
          if (!keys.containsKey("restart")) {
            throw keys.get("on").error("'on: NODE' belongs to a restart step");
          }
          checkNode(keys.get("on"), nodes);
          oneLine(step, lines[ln], "restart ... on");
          restartOn.put(number, keys.get("on").text());
          lines[ln] = lines[ln].replaceFirst(",\\s*on:\\s*[^,}]+", "");
        }
      }
    }
    Scenario scenario = ScenarioParser.parse(file, String.join("\n", lines));
    // a drill checks its invariants; a scenario's expectations would pass silently unchecked: refuse them
    for (io.leasecr.core.scenario.Step step : scenario.steps()) {
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
    return new Drill(scenario, List.copyOf(nodes), Map.copyOf(placement), Map.copyOf(faults), Map.copyOf(restartOn));
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
