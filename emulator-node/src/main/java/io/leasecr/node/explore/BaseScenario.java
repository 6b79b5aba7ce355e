package io.leasecr.node.explore;

import io.leasecr.core.input.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A scenario file as the explorer uses it: the file's own checkpoint and restart steps and every expectation
 * taken out (the explorer places its own and checks invariants instead), the rest kept as written, so that a
 * variant, and a counterexample, is the same YAML with a few steps added. The file must parse first
 * (ScenarioParser), so its errors are reported with their lines before this sees it.
 */
final class BaseScenario {

  /** One step of the file, its map as written (without expect) and its time in ms. */
  record RawStep(int index, long atMs, Map<String, Object> map) {}

  final Path source;
  final Map<String, Object> top;
  final List<RawStep> steps;
  final List<String> processes;
  final long leaseBreakTimeMs;

  @SuppressWarnings("unchecked")
  BaseScenario(Path source, String text, long leaseBreakTimeSeconds) {
    this.source = source;
    Map<String, Object> t = new Yaml(new LoaderOptions()).load(text);
    this.top = new LinkedHashMap<>(t);
    top.remove("expect");
    List<RawStep> kept = new ArrayList<>();
    int i = 0;
    for (Object o : (List<Object>) t.get("steps")) {
      Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) o);
      if (m.containsKey("checkpoint") || m.containsKey("restart")) {
        continue;
      }
      m.remove("expect");
      kept.add(new RawStep(i++, millis(m.get("at")), m));
    }
    this.steps = List.copyOf(kept);
    List<String> names = new ArrayList<>();
    for (Object p : (List<Object>) t.get("processes")) {
      names.add(String.valueOf(((Map<String, Object>) p).get("name")));
    }
    this.processes = List.copyOf(names);
    this.leaseBreakTimeMs = leaseBreakTimeSeconds * 1000;
  }

  static BaseScenario load(Path file, long leaseBreakTimeSeconds) throws IOException {
    return new BaseScenario(file, Files.readString(file), leaseBreakTimeSeconds);
  }

  String name() {
    return String.valueOf(top.get("name"));
  }

  /**
   * The file's way of writing times (45s, 1.5s, 250ms, 2m, 1h, or a number of seconds), read by the parser the
   * scenario format itself uses; a text that is no time is a NumberFormatException, as ExploreTimes expects.
   */
  static long millis(Object v) {
    try {
      return Durations.parse(String.valueOf(v), -Durations.MAX_MS, Durations.MAX_MS);
    } catch (Durations.BadDuration e) {
      throw new NumberFormatException(e.getMessage());
    }
  }

  /** A scenario's YAML text: the top-level keys with these steps, and a name and description of its own. */
  String yaml(String name, String description, List<Map<String, Object>> stepMaps) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : top.entrySet()) {
      switch (e.getKey()) {
        case "name" -> out.put("name", name);
        case "description" -> out.put("description", description);
        case "steps" -> out.put("steps", stepMaps);
        case "end" -> out.put("end", ms(Math.max(millis(e.getValue()), lastAt(stepMaps))));
        default -> out.put(e.getKey(), e.getValue());
      }
    }
    out.putIfAbsent("description", description);
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setWidth(120);
    o.setSplitLines(true);
    DumperOptions steps = new DumperOptions();
    steps.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
    steps.setWidth(400);
    // the steps one a line, as the shipped scenarios write them
    Map<String, Object> head = new LinkedHashMap<>(out);
    head.remove("steps");
    StringBuilder b = new StringBuilder(new Yaml(o).dump(head));
    b.append("steps:\n");
    for (Map<String, Object> s : stepMaps) {
      b.append("  - ").append(new Yaml(steps).dump(s).strip()).append('\n');
    }
    return b.toString();
  }

  /**
   * The time of the last step: a run ends at {@code end:} and a step after it is refused, so the end moves to the
   * explorer's last restart step when that comes later (a checkpoint near the end, its restart 5 s on).
   */
  private static long lastAt(List<Map<String, Object>> stepMaps) {
    long last = 0;
    for (Map<String, Object> s : stepMaps) {
      Object at = s.get("at");
      if (at != null) {
        last = Math.max(last, millis(at));
      }
    }
    return last;
  }

  static String ms(long v) {
    return v % 1000 == 0 ? v / 1000 + "s" : v + "ms";
  }
}
