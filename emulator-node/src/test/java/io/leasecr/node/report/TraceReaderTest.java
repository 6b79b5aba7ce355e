package io.leasecr.node.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {

  @TempDir
  Path dir;

  static final List<TraceEvent> EVENTS = List.of(
      new TraceEvent(0, "enter", 101, "P1", 2, "fcntl", TraceEvent.args("fd", 3L, "cmd", "F_SETLEASE", "arg", "F_WRLCK"),
          null, null),
      new TraceEvent(1000, "lease", 101, "kernel", 0, null, TraceEvent.args("path", "/data/F1", "ino", 1001L, "change",
          "break: unlock pending", "type", "WRITE", "target", "UNLCK", "breakNotified", true, "deadline", 46_000L), null,
          null),
      new TraceEvent(1000, "locks", 0, "scenario", 6, null, TraceEvent.args("lines", List.of("1: LEASE \"x\"", "2: é")),
          null, null),
      new TraceEvent(3000, "return", 102, "P2", 3, "open", TraceEvent.args("blockedMs", 2000L), null, "EAGAIN"));

  @Test
  void readsBackWhatTraceJsonWrites() throws Exception {
    Path f = dir.resolve("t.jsonl");
    Files.writeString(f, String.join("\n", EVENTS.stream().map(TraceJson::line).toList()) + "\n");
    TraceReader.Read r = TraceReader.read(f);
    assertThat(r.isDrill()).isFalse();
    assertThat(r.events()).hasSize(4);
    // the same bytes again: field and key order kept
    assertThat(r.events().stream().map(TraceJson::line).toList())
        .isEqualTo(EVENTS.stream().map(TraceJson::line).toList());
  }

  @Test
  void aDrillTraceKeepsItsNodes() throws Exception {
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    byNode.put("n1", EVENTS.subList(0, 2));
    byNode.put("n2", EVENTS.subList(3, 4));
    List<TraceEvent> driver = List.of(new TraceEvent(500, "note", 0, "drill", 4, null,
        TraceEvent.args("text", "crash n2: kill -9 of its JVM"), null, null));
    Path f = dir.resolve("drill.jsonl");
    HtmlTimeline.writeDrillTrace(byNode, driver, f);
    TraceReader.Read r = TraceReader.read(f);
    assertThat(r.isDrill()).isTrue();
    assertThat(r.byNode().keySet()).containsExactly("n1", "n2");
    assertThat(r.byNode().get("n2")).hasSize(1);
    assertThat(r.driver()).extracting(TraceEvent::kind).containsExactly("note");
    assertThat(HtmlTimeline.drillPage(r.byNode(), r.driver(), "d")).isEqualTo(HtmlTimeline.drillPage(byNode, driver, "d"));
  }

  @Test
  void aBadLineIsNamedWithItsNumber() throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(f, TraceJson.line(EVENTS.get(0)) + "\n{\"t\":\"soon\",\"kind\":\"enter\"}\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceReader.BadTrace.class)
        .hasMessage(f + ":2: \"t\" must be a whole number, got soon");
    Files.writeString(f, "{\"t\":1,\"kind\":\"enter\",\"pid\":1,\"proc\":\"P\"\n");
    assertThatThrownBy(() -> TraceReader.read(f)).hasMessageStartingWith(f + ":1: the line ends too early");
    Files.writeString(f, "{\"t\":-5,\"kind\":\"enter\",\"pid\":1,\"proc\":\"P\"}\n");
    assertThatThrownBy(() -> TraceReader.read(f)).hasMessage(f + ":1: \"t\" must not be negative, got -5");
    // a drill's merged trace counts from the driver's start, which a node's first events may precede
    Files.writeString(f, "{\"t\":-5,\"kind\":\"note\",\"pid\":0,\"proc\":\"node\",\"node\":\"n1\"}\n");
    assertThat(TraceReader.read(f).events()).extracting(TraceEvent::t).containsExactly(-5L);
    Files.writeString(f, "{\"t\":7,\"kind\":\"enter\",\"pid\":1,\"proc\":\"P\"}\n\n"
        + "{\"t\":7,\"kind\":\"exit\",\"pid\":1,\"proc\":\"P\"}\n{\"t\":6,\"kind\":\"enter\",\"pid\":1,\"proc\":\"P\"}\n");
    assertThatThrownBy(() -> TraceReader.read(f))
        .hasMessage(f + ":4: \"t\" goes back in time, from 7 to 6 (a trace's events are in time order)");
    Files.writeString(f, "\n\n");
    assertThatThrownBy(() -> TraceReader.read(f)).hasMessage(f + ": no trace events in the file");
  }
}
