package io.leasecr.core.trace;

import java.util.List;
import java.util.Map;

/** Writes trace events as JSON Lines with a fixed field order, so equal runs give equal bytes. */
public final class TraceJson {
  private TraceJson() {}

  public static String line(TraceEvent e) {
    StringBuilder b = new StringBuilder(160);
    b.append("{\"t\":").append(e.t());
    b.append(",\"kind\":");
    str(b, e.kind());
    b.append(",\"pid\":").append(e.pid());
    b.append(",\"proc\":");
    str(b, e.proc());
    if (e.step() > 0) {
      b.append(",\"step\":").append(e.step());
    }
    if (e.call() != null) {
      b.append(",\"call\":");
      str(b, e.call());
    }
    if (!e.args().isEmpty()) {
      b.append(",\"args\":");
      value(b, e.args());
    }
    if (e.result() != null) {
      b.append(",\"result\":").append(e.result());
    }
    if (e.errno() != null) {
      b.append(",\"errno\":");
      str(b, e.errno());
    }
    return b.append('}').toString();
  }

  private static void value(StringBuilder b, Object v) {
    if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> en : m.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        str(b, String.valueOf(en.getKey()));
        b.append(':');
        value(b, en.getValue());
      }
      b.append('}');
    } else if (v instanceof List<?> l) {
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        value(b, l.get(i));
      }
      b.append(']');
    } else {
      str(b, String.valueOf(v));
    }
  }

  private static void str(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
