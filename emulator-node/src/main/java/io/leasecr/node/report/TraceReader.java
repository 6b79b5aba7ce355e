package io.leasecr.node.report;

import io.leasecr.core.trace.TraceEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a trace written by {@code emulator run --trace} (docs/trace-format.md) back into events, keeping the
 * order of {@code args}' keys. A drill's merged trace ({@code drill.jsonl}) has a {@code node} field on each
 * line ({@code ""} for the driver's own events); a plain trace has none. A line that is not such an object is
 * reported as FILE:LINE: problem.
 */
public final class TraceReader {

  private TraceReader() {}

  /** A trace that cannot be read. */
  public static final class BadTrace extends Exception {
    BadTrace(String message) {
      super(message);
    }
  }

  /** The events of a trace file, each with the node whose trace it came from (null in a single-machine trace). */
  public record Read(List<TraceEvent> events, List<String> nodes) {

    public boolean isDrill() {
      return nodes.stream().anyMatch(n -> n != null);
    }

    /** The events per node, in node order of first appearance; the driver's ("") last. */
    public Map<String, List<TraceEvent>> byNode() {
      Map<String, List<TraceEvent>> m = new LinkedHashMap<>();
      for (int i = 0; i < events.size(); i++) {
        String n = nodes.get(i);
        if (n != null && !n.isEmpty()) {
          m.computeIfAbsent(n, k -> new ArrayList<>()).add(events.get(i));
        }
      }
      return m;
    }

    public List<TraceEvent> driver() {
      List<TraceEvent> d = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        if ("".equals(nodes.get(i))) {
          d.add(events.get(i));
        }
      }
      return d;
    }
  }

  public static Read read(Path file) throws IOException, BadTrace {
    List<TraceEvent> events = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        try {
          Object parsed = new Json(line).document();
          if (!(parsed instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("a trace line must be a JSON object");
          }
          @SuppressWarnings("unchecked")
          Map<String, Object> o = (Map<String, Object>) m;
          TraceEvent e = event(o);
          Object node = o.get("node");
          if (node != null && !(node instanceof String)) {
            throw new IllegalArgumentException("\"node\" must be a string");
          }
          if (e.t() < 0 && node == null) {
            // a run counts from its start; a drill's merged trace from the driver's, which a node may precede
            throw new IllegalArgumentException("\"t\" must not be negative, got " + e.t());
          }
          if (!events.isEmpty() && e.t() < events.get(events.size() - 1).t()) {
            // run and drill traces are written in time order (a drill's merged one sorted by time)
            throw new IllegalArgumentException("\"t\" goes back in time, from " + events.get(events.size() - 1).t()
                + " to " + e.t() + " (a trace's events are in time order)");
          }
          events.add(e);
          nodes.add((String) node);
        } catch (IllegalArgumentException e) {
          throw new BadTrace(file + ":" + no + ": " + e.getMessage());
        }
      }
    }
    if (events.isEmpty()) {
      throw new BadTrace(file + ": no trace events in the file");
    }
    return new Read(events, nodes);
  }

  @SuppressWarnings("unchecked")
  private static TraceEvent event(Map<String, Object> o) {
    long t = number(o, "t", true);
    String kind = string(o, "kind", true);
    int pid = (int) number(o, "pid", true);
    String proc = string(o, "proc", true);
    int step = (int) number(o, "step", false);
    String call = string(o, "call", false);
    Object args = o.get("args");
    if (args != null && !(args instanceof Map)) {
      throw new IllegalArgumentException("\"args\" must be an object");
    }
    Long result = o.containsKey("result") ? number(o, "result", true) : null;
    return new TraceEvent(t, kind, pid, proc, step, call, (Map<String, Object>) args, result,
        string(o, "errno", false));
  }

  private static long number(Map<String, Object> o, String key, boolean required) {
    Object v = o.get(key);
    if (v == null) {
      if (required) {
        throw new IllegalArgumentException("missing \"" + key + "\"");
      }
      return 0;
    }
    if (!(v instanceof Long l)) {
      throw new IllegalArgumentException("\"" + key + "\" must be a whole number, got " + v);
    }
    return l;
  }

  private static String string(Map<String, Object> o, String key, boolean required) {
    Object v = o.get(key);
    if (v == null) {
      if (required) {
        throw new IllegalArgumentException("missing \"" + key + "\"");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("\"" + key + "\" must be a string");
    }
    return s;
  }

  /** A small JSON parser: objects keep their key order, whole numbers are Long, others Double. */
  static final class Json {
    private final String s;
    private int i;
    private int depth;

    Json(String s) {
      this.s = s;
    }

    Object document() {
      Object v = value();
      space();
      if (i != s.length()) {
        throw fail("unexpected text after the object");
      }
      return v;
    }

    private Object value() {
      space();
      if (i >= s.length()) {
        throw fail("the line ends inside a value");
      }
      char c = s.charAt(i);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> word("true", Boolean.TRUE);
        case 'f' -> word("false", Boolean.FALSE);
        case 'n' -> word("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw fail("unexpected '" + c + "'");
        }
      };
    }

    private Map<String, Object> object() {
      if (++depth > 32) {
        throw fail("nested too deeply");
      }
      i++;
      Map<String, Object> m = new LinkedHashMap<>();
      space();
      if (peek() == '}') {
        i++;
        depth--;
        return m;
      }
      while (true) {
        space();
        if (peek() != '"') {
          throw fail("expected a key in quotes");
        }
        String k = string();
        space();
        if (peek() != ':') {
          throw fail("expected ':' after \"" + k + "\"");
        }
        i++;
        m.put(k, value());
        space();
        char c = peek();
        i++;
        if (c == '}') {
          depth--;
          return m;
        }
        if (c != ',') {
          throw fail("expected ',' or '}'");
        }
      }
    }

    private List<Object> array() {
      if (++depth > 32) {
        throw fail("nested too deeply");
      }
      i++;
      List<Object> l = new ArrayList<>();
      space();
      if (peek() == ']') {
        i++;
        depth--;
        return l;
      }
      while (true) {
        l.add(value());
        space();
        char c = peek();
        i++;
        if (c == ']') {
          depth--;
          return l;
        }
        if (c != ',') {
          throw fail("expected ',' or ']'");
        }
      }
    }

    private String string() {
      i++;
      StringBuilder b = new StringBuilder();
      while (true) {
        if (i >= s.length()) {
          throw fail("a string is not closed");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (i >= s.length()) {
          throw fail("a string is not closed");
        }
        char e = s.charAt(i++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw fail("a \\u escape is cut short");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException x) {
              throw fail("a bad \\u escape");
            }
            i += 4;
          }
          default -> throw fail("a bad escape \\" + e);
        }
      }
    }

    private Object number() {
      int start = i;
      if (peek() == '-') {
        i++;
      }
      boolean whole = true;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c >= '0' && c <= '9') {
          i++;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
          whole = false;
          i++;
        } else {
          break;
        }
      }
      String n = s.substring(start, i);
      try {
        return whole ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
      } catch (NumberFormatException e) {
        throw fail("a bad number " + n);
      }
    }

    private Object word(String w, Object v) {
      if (!s.startsWith(w, i)) {
        throw fail("unexpected '" + s.charAt(i) + "'");
      }
      i += w.length();
      return v;
    }

    private char peek() {
      if (i >= s.length()) {
        throw fail("the line ends too early");
      }
      return s.charAt(i);
    }

    private void space() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private IllegalArgumentException fail(String what) {
      return new IllegalArgumentException(what + " (column " + (i + 1) + ")");
    }
  }
}
