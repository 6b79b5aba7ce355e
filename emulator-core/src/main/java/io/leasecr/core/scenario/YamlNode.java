package io.leasecr.core.scenario;

import io.leasecr.core.input.Durations;
import io.leasecr.core.input.Names;
import io.leasecr.core.input.Texts;
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

  /**
   * The largest scenario, experiment or drill file read: 4 MiB (the largest shipped file is a few KB; a
   * generated tree is a {@code count:}, not a list).
   */
  public static final long MAX_FILE_BYTES = 4L << 20;
  /**
   * The longest line: 16 Ki characters. SnakeYAML's StreamReader copies its whole look-ahead window for
   * each 1 KB it reads while it scans one token (a plain scalar without spaces, a quoted run), so a token
   * of n characters costs n^2/1024 steps: 3.5 s for a 1 MB description on one line, 29 s for 4 MB.
   * Bounding the line bounds the token, and a file's parse time grows linearly with its size.
   */
  public static final int MAX_LINE_CHARS = 16 * 1024;

  /**
   * A scenario, experiment or drill file's text, as UTF-8; a file that cannot be read, is too large or is
   * not UTF-8 is a ScenarioException naming the file (and the line of the first bad byte).
   */
  public static String readFile(java.nio.file.Path path) {
    byte[] bytes;
    try {
      long size = java.nio.file.Files.size(path);
      if (size > MAX_FILE_BYTES) {
        throw new ScenarioException(path.toString(), 0, "the file has " + size + " bytes; at most "
            + MAX_FILE_BYTES + " (4 MiB) are read");
      }
      bytes = java.nio.file.Files.readAllBytes(path);
    } catch (IOException e) {
      throw new ScenarioException(path.toString(), 0, "cannot read the file: " + reason(e));
    }
    if (bytes.length > MAX_FILE_BYTES) { // grew while read
      throw new ScenarioException(path.toString(), 0, "the file has more than " + MAX_FILE_BYTES + " bytes");
    }
    String text = decode(path.toString(), bytes);
    checkLines(path.toString(), text);
    return text;
  }

  /**
   * Refuses a line longer than {@link #MAX_LINE_CHARS}: checked on every file read, before SnakeYAML sees
   * it (text generated from a checked file, as a drill's expanded scenario, has short tokens).
   */
  public static void checkLines(String file, String text) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '\n') {
        if (i - lineStart > MAX_LINE_CHARS) {
          throw new ScenarioException(file, line, "the line has " + (i - lineStart) + " characters; at most "
              + MAX_LINE_CHARS + " are allowed (fold a long text over several lines with '>')");
        }
        line++;
        lineStart = i + 1;
      }
    }
  }

  /** UTF-8 text of {@code bytes}, or a FILE:LINE error at the first byte that is not UTF-8. */
  public static String decode(String file, byte[] bytes) {
    java.nio.charset.CharsetDecoder d = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
    java.nio.charset.CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new ScenarioException(file, line, String.format("the file is not UTF-8 text (byte 0x%02x at offset %d)",
          bytes[at] & 0xff, at));
    }
    out.flip();
    return out.toString();
  }

  private static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e.getMessage() != null && e.getMessage().contains("Is a directory")) {
      return "it is a directory";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The document in {@code text}, as {@code what}; YAML syntax errors name the file and line. */
  public static YamlNode load(String file, String text, String what) {
    Node root;
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit((int) MAX_FILE_BYTES);
    try (Reader r = new StringReader(text)) {
      root = new Yaml(options).compose(r);
    } catch (MarkedYAMLException e) {
      int at = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ScenarioException(file, at, "not valid YAML: " + e.getProblem());
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
      if (t.matches("[+-]?\\d+")) {
        throw error(what + " is out of range: " + quote(t));
      }
      throw error(what + " must be an integer, got " + quote(t));
    }
  }

  /** An integer in [min, max]; the message names the range. */
  public long integer(long min, long max) {
    long v = integer();
    if (v < min || v > max) {
      throw error(what + " is out of range: " + v + " (allowed: " + min + " to " + max + ")");
    }
    return v;
  }

  /** A finite decimal number (3, 2.5). */
  public double number() {
    String t = text();
    double v;
    try {
      v = t.length() <= 40 ? Double.parseDouble(t) : Double.NaN;
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (!Double.isFinite(v)) {
      throw error(what + " must be a number, got " + quote(t));
    }
    return v;
  }

  /** A decimal number in [min, max]. */
  public double number(double min, double max) {
    double v = number();
    if (v < min || v > max) {
      throw error(what + " is out of range: " + quote(text()) + " (allowed: " + min + " to " + max + ")");
    }
    return v;
  }

  /** An integer that fits in an int (pids, uids, fds, statuses): larger ones are errors, not truncated. */
  public int intValue() {
    return (int) integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** An int in [min, max]. */
  public int intValue(int min, int max) {
    return (int) integer(min, max);
  }

  public boolean bool() {
    String t = text().toLowerCase();
    return switch (t) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw error(what + " must be true or false, got " + quote(t));
    };
  }

  /**
   * Emulated time: 45s, 1.5s, 250ms, 2m, or a bare number of seconds (one syntax for every file and
   * option: {@link Durations}), from 0 to {@link Durations#MAX_MS}.
   */
  public long millis() {
    return millis(0, Durations.MAX_MS);
  }

  /** Emulated time within [minMs, maxMs]. */
  public long millis(long minMs, long maxMs) {
    try {
      return Durations.parse(text(), minMs, maxMs);
    } catch (Durations.BadDuration e) {
      throw error(e.outOfRange()
          ? what + " is out of range: " + quote(text()) + " (allowed: " + Durations.format(minMs) + " to "
              + Durations.format(maxMs) + ")"
          : what + " must be a time like 45s, 1.5s, 250ms or 2m (seconds when bare), got " + quote(text()));
    }
  }

  /**
   * A name or id (scenario, process, checkpoint, node): 1 to {@link Names#MAX_LENGTH} characters, no
   * control characters, no space at either end.
   */
  public String name() {
    String t = node instanceof ScalarNode s ? s.getValue() : text();
    String p = Names.problem(t);
    if (p != null) {
      throw error(what + " " + p);
    }
    return t;
  }

  /** User text for a message: short and on one line ({@link Texts#quote}). */
  public static String quote(String text) {
    return Texts.quote(text);
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
        throw key.error("unknown key " + Texts.key(k) + " in " + what + " (allowed: " + String.join(", ", sorted(allowed)) + ")");
      }
      if (out.containsKey(k)) {
        throw key.error("key " + Texts.key(k) + " appears twice in " + what);
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
