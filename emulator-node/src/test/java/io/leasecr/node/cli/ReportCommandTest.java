package io.leasecr.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream savedErr;

  @BeforeEach
  void captureErr() {
    savedErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreErr() {
    System.setErr(savedErr);
  }

  @Test
  void writesThePageOfASavedTrace() throws Exception {
    Path trace = dir.resolve("seed.jsonl");
    Files.writeString(trace, TraceJson.line(new TraceEvent(0, "enter", 101, "P1", 1, "open",
        TraceEvent.args("path", "/data/F1", "flags", "O_RDONLY"), null, null)) + "\n"
        + TraceJson.line(new TraceEvent(0, "return", 101, "P1", 1, "open", null, 3L, null)) + "\n");
    Path page = dir.resolve("out").resolve("seed.html");
    assertThat(Main.run(new String[] {"report", trace.toString(), "--html", page.toString()})).isEqualTo(Main.OK);
    assertThat(Files.readString(page)).startsWith("<!DOCTYPE html>").contains("<title>seed</title>",
        "data-lane=\"P1[101]\"");
  }

  @Test
  void aBadTraceLineIsNamedAndNothingIsWritten() throws Exception {
    Path trace = dir.resolve("bad.jsonl");
    Files.writeString(trace, "{\"t\":0,\"kind\":\"enter\",\"pid\":1,\"proc\":\"P\"}\nnot json\n");
    Path page = dir.resolve("bad.html");
    assertThat(Main.run(new String[] {"report", trace.toString(), "--html", page.toString()}))
        .isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(trace + ":2: unexpected 'n'");
    assertThat(page).doesNotExist();
  }

  @Test
  void aBinaryFileIsNoTraceAndSaysSo() throws Exception {
    Path trace = dir.resolve("random.img");
    Files.write(trace, new byte[] {0x7b, (byte) 0xbb, (byte) 0xff, 0x0a, 0x00});
    Path page = dir.resolve("random.html");
    assertThat(Main.run(new String[] {"report", trace.toString(), "--html", page.toString()}))
        .isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(trace + " is not a trace: not UTF-8 text")
        .doesNotContain("Input length");
    assertThat(page).doesNotExist();
  }

  @Test
  void missingArgumentsAndFilesAreBadInput() {
    assertThat(Main.run(new String[] {"report", dir.resolve("none.jsonl").toString(), "--html", "x.html"}))
        .isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no trace file");
    assertThat(Main.run(new String[] {"report", "t.jsonl"})).isEqualTo(Main.BAD_INPUT); // --html missing
  }
}
