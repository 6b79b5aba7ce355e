package io.leasecr.node.drill;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.leasecr.core.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a node's JSON Lines trace back into events, times shifted to the drill's start. A node whose clock
 * a skew step set ahead (or behind) noted so in its trace ({@code skew} ms): its later stamps, deadlines
 * included, are taken back onto the shared axis, so the invariants compare nodes on one time line.
 */
final class TraceFiles {

  private TraceFiles() {}

  static List<TraceEvent> read(Path file, long shiftMs) throws IOException {
    List<TraceEvent> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    long skew = 0;
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Value> o;
      try {
        Struct.Builder sb = Struct.newBuilder();
        JsonFormat.parser().merge(line, sb);
        o = sb.getFieldsMap();
      } catch (Exception e) {
        continue; // a line cut short by kill -9
      }
      Map<String, Object> args = new LinkedHashMap<>();
      if (o.containsKey("args")) {
        o.get("args").getStructValue().getFieldsMap().forEach((k, v) -> args.put(k, value(v)));
        if ("note".equals(o.get("kind").getStringValue()) && args.get("skew") instanceof Long sk) {
          skew = sk;
        }
        if (args.get("deadline") instanceof Long d) {
          args.put("deadline", d - shiftMs - skew); // on the drill's axis, like t
        }
      }
      out.add(new TraceEvent((long) o.get("t").getNumberValue() - shiftMs - skew, o.get("kind").getStringValue(),
          (int) o.get("pid").getNumberValue(), o.get("proc").getStringValue(),
          o.containsKey("step") ? (int) o.get("step").getNumberValue() : 0,
          o.containsKey("call") ? o.get("call").getStringValue() : null, args,
          o.containsKey("result") ? (Long) (long) o.get("result").getNumberValue() : null,
          o.containsKey("errno") ? o.get("errno").getStringValue() : null));
    }
    return out;
  }

  private static Object value(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case BOOL_VALUE -> v.getBoolValue();
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue() == Math.rint(v.getNumberValue())
          ? (Object) (long) v.getNumberValue() : (Object) v.getNumberValue();
      case LIST_VALUE -> {
        List<Object> l = new ArrayList<>();
        v.getListValue().getValuesList().forEach(x -> l.add(value(x)));
        yield l;
      }
      case STRUCT_VALUE -> {
        Map<String, Object> m = new LinkedHashMap<>();
        v.getStructValue().getFieldsMap().forEach((k, x) -> m.put(k, value(x)));
        yield m;
      }
    };
  }
}
