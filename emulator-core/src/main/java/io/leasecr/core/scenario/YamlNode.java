package io.leasecr.core.scenario;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** A YAML node that remembers its line, with typed accessors that fail with file:line errors. */
public final class YamlNode {
  final String file;
  final Node node;
  final String what;

  /** A scenario, experiment or drill file's text; a file that cannot be read is a ScenarioException. */
  public static String readFile(java.nio.file.Path path) {
    try {
      return java.nio.file.Files.readString(path);
    } catch (IOException e) {
      throw new ScenarioException(path.toString(), 0, "cannot read the file: " + e.getMessage());
    }
  }

  /** The document in {@code text}, as {@code what}; YAML syntax errors name the file and line. */
  public static YamlNode load(String file, String text, String what) {
    Node root;
    try (Reader r = new StringReader(text)) {
      root = new Yaml(new LoaderOptions()).compose(r);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ScenarioException(file, line, "not valid YAML: " + e.getProblem());
    } catch (YAMLException | IOException e) {
      throw new ScenarioException(file, 0, "not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new ScenarioException(file, 1, "the file is empty");
    }
    return new YamlNode(file, root, what);
  }

  YamlNode(String file, Node node, String what) {
    this.file = file;
    this.node = node;
    this.what = what;
  }

  /** A node of {@code file} (a tool that builds a document from parts, as the drill parser does). */
  public static YamlNode of(String file, Node node, String what) {
    return new YamlNode(file, node, what);
  }

  /** The SnakeYAML node underneath, with its marks (for tools that build a document from parts). */
  public Node node() {
    return node;
  }

  public String file() {
    return file;
  }

  public int line() {
    return node.getStartMark().getLine() + 1;
  }

  public ScenarioException error(String problem) {
    return new ScenarioException(file, line(), problem);
  }

  public boolean isScalar() {
    return node instanceof ScalarNode;
  }

  public String text() {
    if (!(node instanceof ScalarNode s)) {
      throw error(what + " must be a single value, not a " + kind());
    }
    return s.getValue().trim();
  }

  public long integer() {
    String t = text();
    try {
      return Long.decode(t);
    } catch (NumberFormatException e) {
      throw error(what + " must be an integer, got '" + t + "'");
    }
  }

  /** A decimal number (3, 2.5). */
  public double number() {
    try {
      return Double.parseDouble(text());
    } catch (NumberFormatException e) {
      throw error(what + " must be a number, got '" + text() + "'");
    }
  }

  /** An integer that fits in an int (pids, uids, fds, statuses): larger ones are errors, not truncated. */
  public int intValue() {
    long v = integer();
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw error(what + " is out of range: " + v);
    }
    return (int) v;
  }

  public boolean bool() {
    String t = text().toLowerCase();
    return switch (t) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw error(what + " must be true or false, got '" + t + "'");
    };
  }

  /** Emulated time: 45s, 1.5s, 250ms, 2m, or a bare number of seconds. */
  public long millis() {
    String t = text().toLowerCase();
    try {
      if (t.endsWith("ms")) {
        return Math.round(Double.parseDouble(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
      }
      if (t.endsWith("m")) {
        return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000);
      }
      return Math.round(Double.parseDouble(t) * 1000);
    } catch (NumberFormatException e) {
      throw error(what + " must be a time like 45s, 1.5s or 250ms, got '" + t + "'");
    }
  }

  public List<YamlNode> list() {
    if (!(node instanceof SequenceNode seq)) {
      throw error(what + " must be a list (lines starting with '- '), not a " + kind());
    }
    List<YamlNode> out = new ArrayList<>();
    int i = 1;
    for (Node n : seq.getValue()) {
      out.add(new YamlNode(file, n, what + " item " + i++));
    }
    return out;
  }

  /** The entries of a mapping, checking that every key is one of {@code allowed}. */
  public Map<String, YamlNode> map(Set<String> allowed) {
    if (!(node instanceof MappingNode m)) {
      throw error(what + " must be a mapping of 'key: value' lines, not a " + kind());
    }
    Map<String, YamlNode> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      YamlNode key = new YamlNode(file, t.getKeyNode(), what + " key");
      String k = key.text();
      if (allowed != null && !allowed.contains(k)) {
        throw key.error("unknown key '" + k + "' in " + what + " (allowed: " + String.join(", ", sorted(allowed)) + ")");
      }
      if (out.containsKey(k)) {
        throw key.error("key '" + k + "' appears twice in " + what);
      }
      out.put(k, new YamlNode(file, t.getValueNode(), k));
    }
    return out;
  }

  private static List<String> sorted(Set<String> s) {
    List<String> l = new ArrayList<>(s);
    l.sort(null);
    return l;
  }

  private String kind() {
    return node instanceof MappingNode ? "mapping" : node instanceof SequenceNode ? "list" : "single value";
  }
}
