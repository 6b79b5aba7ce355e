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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  void hoveringAnElementShowsItsTraceEventAndClickingPinsIt() throws Exception {
    Path file = OUT.resolve("seed-basic-interactive.html");
    Files.writeString(file, HtmlTimeline.page(run("leases/seed-basic.yaml"), "seed-basic"), StandardCharsets.UTF_8);
    try (Cdp page = Cdp.open(chromium, file, OUT.resolve("profile-cdp"), OUT.resolve("chromium-cdp.log"))) {
      assertThat(page.eval("String(document.getElementById('tip').hidden)")).isEqualTo("true");
      // hover: the tooltip shows the signal's timeline line and its trace event
      page.hover(".mark-signal path");
      assertThat(page.eval("String(document.getElementById('tip').hidden)")).isEqualTo("false");
      assertThat(page.eval("document.getElementById('tip').textContent"))
          .contains("SIGIO", "\"kind\":\"signal\"");
      // moving off the picture hides it
      page.hover("h1");
      assertThat(page.eval("String(document.getElementById('tip').hidden)")).isEqualTo("true");
      assertThat(page.eval("document.getElementById('pinned').textContent")).isEmpty();
      // click: the blocked open's events are pinned below and the element is marked selected
      page.click(".call .blocked");
      assertThat(page.eval("document.getElementById('pinned').textContent")).contains("open", "\"kind\":\"block\"");
      assertThat(page.eval("String(document.querySelectorAll('.sel').length)")).isEqualTo("1");
      // a click on another element moves the selection; on empty space it clears it
      page.click(".mark-signal path");
      assertThat(page.eval("document.getElementById('pinned').textContent")).contains("SIGIO");
      assertThat(page.eval("String(document.querySelector('.sel').classList.contains('mark-signal'))"))
          .isEqualTo("true");
      page.click(".axis-caption");
      assertThat(page.eval("document.getElementById('pinned').textContent")).isEmpty();
      assertThat(page.eval("String(document.querySelectorAll('.sel').length)")).isEqualTo("0");
      // zoom: the picture is drawn twice as wide
      page.click("button[data-zoom='2']");
      assertThat(page.eval("document.getElementById('timeline').getAttribute('width')")).isEqualTo("2480");
      assertThat(page.eval("String(document.documentElement.getAttribute('data-errors'))")).isEqualTo("null");
    }
  }

  @Test
  void tenThousandProcessesAllReachableInBlocksThatExpandOnClick() throws Exception {
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    String[] nodes = {"n1", "n2", "n3"};
    for (String n : nodes) {
      byNode.put(n, new ArrayList<>());
    }
    for (int i = 0; i < 10_000; i++) {
      int pid = 10_001 + i;
      List<TraceEvent> l = byNode.get(nodes[i % 3]);
      String name = "G" + (i + 1);
      l.add(new TraceEvent(500 + i % 97, "enter", pid, name, 0, "open", TraceEvent.args("path", "/gen/f" + i), null, null));
      if (i < 7) {
        l.add(new TraceEvent(600, "block", pid, name, 0, "open", null, null, null));
      }
      l.add(new TraceEvent(700 + i % 89, "return", pid, name, 0, "open", null, 3L, null));
    }
    List<String> restarted = new ArrayList<>();
    for (int i = 1; i < 10_000; i += 3) {
      restarted.add("G" + (i + 1));
    }
    List<TraceEvent> driver = List.of(
        new TraceEvent(3000, "note", 0, "drill", 0, null, TraceEvent.args("text", "crash n2: kill -9 of its JVM"), null, null),
        new TraceEvent(3100, "note", 0, "drill", 0, null, TraceEvent.args("text", "restart from C1 (committed at 2.0s) of "
            + restarted + " on [n1, n3], policy remaining"), null, null));
    String html = HtmlTimeline.drillPage(byNode, driver, "ten-thousand");
    assertThat(html.length()).as("page size").isLessThan(6_000_000);
    Path file = OUT.resolve("ten-thousand.html");
    Files.writeString(file, html, StandardCharsets.UTF_8);
    try (Cdp page = Cdp.open(chromium, file, OUT.resolve("profile-cdp"), OUT.resolve("chromium-cdp.log"))) {
      assertThat(page.eval("String(document.querySelectorAll('svg.block-lanes').length)")).isEqualTo("0");
      // 120 drawn above, the other 9,880 in blocks of at most 100 per node: every process is on the page
      assertThat(page.eval("String(document.querySelectorAll('#timeline .proc-lane').length)")).isEqualTo("120");
      assertThat(page.eval("String([].reduce.call(document.querySelectorAll('details.block'), function (n, d) {"
          + " var c = Number(d.getAttribute('data-count')); return c >= 1 && c <= 100 ? n + c : NaN; }, 0))"))
          .isEqualTo("9880");
      assertThat(Integer.parseInt(page.eval("String(document.querySelectorAll('details.block').length)")))
          .isBetween(99, 102);
      assertThat(page.eval("document.getElementById('more').querySelector('h2').textContent"))
          .contains("The other 9880 process lanes");
      // opens in under 2 s: the best of three loads (the machine may be busy with other work for one)
      List<Integer> loads = new ArrayList<>();
      for (int i = 0; i < 3 && (loads.isEmpty() || java.util.Collections.min(loads) >= 2000); i++) {
        if (i > 0) {
          page.eval("document.documentElement.setAttribute('data-old', '1'); location.reload(); 'reloading'");
        }
        String loadMs = "null";
        for (int w = 0; w < 600 && loadMs.equals("null"); w++) {
          Thread.sleep(w == 0 ? 0 : 50);
          loadMs = page.eval("String(document.documentElement && !document.documentElement.hasAttribute('data-old')"
              + " && document.documentElement.getAttribute('data-load-ms'))");
          loadMs = loadMs.equals("false") ? "null" : loadMs;
        }
        loads.add(Integer.parseInt(loadMs));
      }
      assertThat(java.util.Collections.min(loads)).as("ms from navigation until the page had loaded, best of "
          + loads).isLessThan(2000);
      // clicking n2's summary strip leads to n2's blocks and opens the first: its 100 lanes are drawn
      page.click(".summary-lane[data-node='n2'] rect");
      assertThat(page.eval("String(document.querySelector('#more-n2 details').open)")).isEqualTo("true");
      // (the toggle event that draws them comes as a task of its own, just after the click)
      assertThat(settled(page, "String(document.querySelectorAll('#more-n2 svg.block-lanes .mini').length)", "100"))
          .isEqualTo("100");
      // a block opened by a click on its line draws its lanes too; hovering a call there shows it
      page.click("#more-n3 details:nth-of-type(2) summary");
      assertThat(settled(page, "String(document.querySelectorAll('#more-n3 svg.block-lanes .mini').length)", "100"))
          .isEqualTo("100");
      page.hover("#more-n3 details:nth-of-type(2) .mini rect.call");
      assertThat(page.eval("String(document.getElementById('tip').hidden)")).isEqualTo("false");
      assertThat(page.eval("document.getElementById('tip').textContent")).contains("on n3: open", "= 3");
      page.click("#more-n3 details:nth-of-type(2) .mini rect.call");
      assertThat(page.eval("document.getElementById('pinned').textContent")).contains("on n3: open");
      // and closing it again hides them
      page.click("#more-n3 details:nth-of-type(2) summary");
      assertThat(page.eval("String(document.querySelector('#more-n3 details:nth-of-type(2)').open)")).isEqualTo("false");
      page.screenshot(OUT.resolve("ten-thousand.png"));
      assertThat(page.eval("String(document.documentElement.getAttribute('data-errors'))")).isEqualTo("null");
    }
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

  /** The expression's value once it is {@code expected}, or its last value after 10 s. */
  private static String settled(Cdp page, String expression, String expected) throws Exception {
    String v = page.eval(expression);
    for (int i = 0; i < 200 && !v.equals(expected); i++) {
      Thread.sleep(50);
      v = page.eval(expression);
    }
    return v;
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
