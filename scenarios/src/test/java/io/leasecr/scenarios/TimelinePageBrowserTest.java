package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.node.report.HtmlTimeline;
import io.leasecr.node.report.TraceReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Timeline pages (emulator run --html, a drill's timeline.html) opened in a real browser: headless Chromium
 * (Debian's chromium; .ci/run installs it). Each page must run its script without an error (the page records
 * window.onerror and console.error in the data-errors attribute, which --dump-dom shows), draw the expected
 * lanes and marks, and leave a screenshot in target/timeline-pages/ (a test artifact). Skipped when chromium is
 * missing, except under CI.
 */
class TimelinePageBrowserTest {

  private static final Path OUT = Path.of("target", "timeline-pages").toAbsolutePath();
  private static String chromium;

  @BeforeAll
  static void findChromium() throws IOException {
    for (String c : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
        if (Files.isExecutable(Path.of(dir, c))) {
          chromium = Path.of(dir, c).toString();
          break;
        }
      }
      if (chromium != null) {
        break;
      }
    }
    if (chromium == null && System.getenv("CI") != null) {
      fail("CI installs Debian's chromium (.ci/run), yet no chromium is on the PATH");
    }
    assumeTrue(chromium != null, "skipped: no chromium on the PATH (apt-get install chromium)");
    Files.createDirectories(OUT);
  }

  private static List<TraceEvent> run(String scenario) throws Exception {
    return Emulation.run(ScenarioParser.parse(ShippedScenarios.root().resolve(scenario))).events();
  }

  @Test
  void theSeedsBreakRendersItsProcessesLeaseAndSignal() throws Exception {
    String dom = open("seed-basic", HtmlTimeline.page(run("leases/seed-basic.yaml"), "seed-basic"));
    assertThat(dom).contains("data-lane=\"P1[101]\"", "data-lane=\"P2[102]\"", "data-lane=\"/data/F1\"",
        "class=\"mark mark-signal\"", "lease lease-breaking", "class=\"blocked\"", "class=\"deadline\"");
  }

  @Test
  void aCheckpointAndRestartAcrossA40sWaitDrawsBandsAndACompressedAxis() throws Exception {
    List<TraceEvent> events = run("checkpoint/cr-break-40s-remaining.yaml");
    String page = HtmlTimeline.page(events, "cr-break-40s-remaining");
    // byte-identical from a second run of the same scenario
    assertThat(HtmlTimeline.page(run("checkpoint/cr-break-40s-remaining.yaml"), "cr-break-40s-remaining"))
        .isEqualTo(page);
    String dom = open("cr-break-40s-remaining", page);
    assertThat(dom).contains("data-kind=\"checkpoint\"", "data-kind=\"restart\"", "data-kind=\"stopped\"",
        "restart C1 · remaining · seed", "class=\"mark mark-restart\"", "class=\"gap-label\"", "class=\"mark mark-reaction\"");
  }

  @Test
  void posixLocksAreDrawnAsRanges() throws Exception {
    String dom = open("cr-posix-locks", HtmlTimeline.page(run("checkpoint/cr-posix-locks.yaml"), "cr-posix-locks"));
    assertThat(dom).contains("class=\"lock\"", "POSIX WRLCK");
  }

  @Test
  void aDrillTraceGroupsLanesByNodeWithTheCrashAndTheRestart() throws Exception {
    Path fixture = Path.of("src", "test", "resources", "timeline", "drill-breaker-crash.jsonl");
    TraceReader.Read read = TraceReader.read(fixture);
    String dom = open("drill-breaker-crash", HtmlTimeline.drillPage(read.byNode(), read.driver(), "breaker-crash"));
    assertThat(dom).contains("class=\"node-head\" data-node=\"n1\"", "class=\"node-head\" data-node=\"n2\"",
        "class=\"node-head\" data-node=\"n3\"", "data-lane=\"P2[102]\" data-node=\"n2\"",
        "data-lane=\"P2[102]\" data-node=\"n3\"", "data-kind=\"crash\"", "band band-down", "data-kind=\"restore\"",
        "(node lost)");
  }

  @Test
  void anErrorInThePageIsSeen() throws Exception {
    String page = HtmlTimeline.page(run("leases/seed-basic.yaml"), "broken")
        .replace("</body>", "<script>undefinedFunctionOfTheTest();</script>\n</body>");
    Path file = OUT.resolve("broken.html");
    Files.writeString(file, page);
    String dom = chromium(file, "--dump-dom");
    assertThat(dom).contains("data-errors=\"").contains("undefinedFunctionOfTheTest");
  }

  /** Writes the page, takes its screenshot and returns its DOM after the script ran (one chromium run), asserting no error. */
  private static String open(String name, String page) throws Exception {
    Path file = OUT.resolve(name + ".html");
    Files.writeString(file, page, StandardCharsets.UTF_8);
    Path png = OUT.resolve(name + ".png");
    Files.deleteIfExists(png);
    String dom = chromium(file, "--dump-dom", "--screenshot=" + png, "--window-size=1280,900", "--hide-scrollbars");
    assertThat(dom).as(name + ": the page's script ran").contains("data-ready=\"true\"");
    assertThat(dom).as(name + ": errors in the page").doesNotContain("data-errors=");
    assertThat(png).exists();
    assertThat(Files.size(png)).as("screenshot size").isGreaterThan(10_000);
    return dom;
  }

  private static String chromium(Path file, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + OUT.resolve("profile")));
    cmd.addAll(List.of(args));
    cmd.add(file.toUri().toString());
    Path stdout = Files.createTempFile(OUT, "dom", ".html");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
          .redirectError(OUT.resolve("chromium-stderr.log").toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("chromium did not finish within 60 s: " + String.join(" ", cmd));
      }
      assertThat(p.exitValue()).as("chromium's exit status (see " + OUT.resolve("chromium-stderr.log") + ")")
          .isZero();
      return Files.readString(stdout);
    } finally {
      Files.deleteIfExists(stdout);
    }
  }
}
