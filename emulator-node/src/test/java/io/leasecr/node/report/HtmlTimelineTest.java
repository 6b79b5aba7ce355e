package io.leasecr.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlTimelineTest {

  private static TraceEvent ev(long t, String kind, int pid, String proc, String call, Map<String, Object> args,
      Long result, String errno) {
    return new TraceEvent(t, kind, pid, proc, 0, call, args, result, errno);
  }

  /** The seed's break, a POSIX lock, a checkpoint that stops the tree and a restart. */
  static List<TraceEvent> seedLike() {
    return List.of(
        ev(0, "enter", 101, "P1", "open", TraceEvent.args("path", "/data/F1", "flags", "O_RDWR"), null, null),
        ev(0, "return", 101, "P1", "open", null, 3L, null),
        ev(0, "enter", 101, "P1", "fcntl", TraceEvent.args("fd", 3L, "cmd", "F_SETLK", "type", "F_WRLCK", "start", 0L,
            "len", 10L), null, null),
        ev(0, "return", 101, "P1", "fcntl", null, 0L, null),
        ev(0, "lease", 101, "kernel", null, TraceEvent.args("path", "/data/F1", "ino", 1001L, "change", "acquired",
            "type", "WRITE", "target", "WRITE"), null, null),
        ev(1000, "enter", 102, "P2", "open", TraceEvent.args("path", "/data/F1", "flags", "O_WRONLY"), null, null),
        ev(1000, "lease", 101, "kernel", null, TraceEvent.args("path", "/data/F1", "ino", 1001L, "change",
            "break: unlock pending", "type", "WRITE", "target", "UNLCK", "deadline", 46_000L), null, null),
        ev(1000, "signal", 101, "P1", null, TraceEvent.args("signal", "SIGIO", "code", "SI_KERNEL", "fd", 3L,
            "action", "handler"), null, null),
        ev(1000, "block", 102, "P2", "open", null, null, null),
        ev(2000, "checkpoint", 0, "scenario", null, TraceEvent.args("id", "C1", "processes", 2L, "tree", "stopped"),
            null, null),
        ev(60_000, "restart", 0, "scenario", null, TraceEvent.args("id", "C1", "policy", "remaining", "mode", "seed",
            "processes", List.of("P1", "P2"), "checkpointAt", 2000L), null, null),
        ev(60_000, "lease", 101, "kernel", null, TraceEvent.args("path", "/data/F1", "ino", 1001L, "change",
            "restored to its type before the break (remaining)", "type", "WRITE", "target", "WRITE"), null, null),
        ev(60_000, "restart", 102, "P2", "open", TraceEvent.args("after", "restore", "errno", "ERESTARTSYS"), null,
            null),
        ev(60_000, "block", 102, "P2", "open", null, null, null),
        ev(61_000, "enter", 101, "P1", "close", TraceEvent.args("fd", 3L), null, null),
        ev(61_000, "lease", 101, "kernel", null, TraceEvent.args("path", "/data/F1", "ino", 1001L, "change",
            "released by last close", "type", "UNLCK", "target", "UNLCK"), null, null),
        ev(61_000, "return", 101, "P1", "close", null, 0L, null),
        ev(61_000, "return", 102, "P2", "open", TraceEvent.args("blockedMs", 1000L), null, "EAGAIN"),
        ev(62_000, "exit", 101, "P1", null, TraceEvent.args("status", 0L), null, null));
  }

  @Test
  void lanesMarksAndBandsOfTheSeedsBreak() {
    TimelineModel m = TimelineModel.build("t", false, src(seedLike()));
    assertThat(m.procs).extracting(TimelineModel.ProcLane::title).containsExactly("P1[101]", "P2[102]");
    TimelineModel.ProcLane p2 = m.procs.get(1);
    assertThat(p2.calls).singleElement().satisfies(c -> {
      assertThat(c.t0()).isEqualTo(1000);
      assertThat(c.blockAt()).isEqualTo(1000);
      assertThat(c.t1()).isEqualTo(61_000);
      assertThat(c.end()).isEqualTo("-1 EAGAIN");
      assertThat(c.failed()).isTrue();
    });
    assertThat(p2.marks).extracting(TimelineModel.Mark::label).containsExactly("open restarted after restore (-ERESTARTSYS)");
    assertThat(m.procs.get(0).marks).extracting(TimelineModel.Mark::label)
        .containsExactly("SIGIO SI_KERNEL si_fd=3", "exit(0)");
    TimelineModel.InodeLane f1 = m.inodes.get(0);
    assertThat(f1.title()).isEqualTo("/data/F1 (ino 1001)");
    TimelineModel.Row lease = f1.rows.get("lease:101");
    assertThat(lease.segments).extracting(TimelineModel.Segment::state, TimelineModel.Segment::t0,
        TimelineModel.Segment::t1).containsExactly(org.assertj.core.groups.Tuple.tuple("write", 0L, 1000L),
        org.assertj.core.groups.Tuple.tuple("breaking", 1000L, 60_000L),
        org.assertj.core.groups.Tuple.tuple("write", 60_000L, 61_000L));
    assertThat(lease.ticks).extracting(TimelineModel.Tick::t).containsExactly(46_000L);
    // the POSIX lock is held from F_SETLK, again from the restart (as at the checkpoint), until the close of a
    // descriptor of that file
    TimelineModel.Row lock = f1.rows.get("lock:POSIX P1[101]");
    assertThat(lock.segments).extracting(TimelineModel.Segment::label, TimelineModel.Segment::t0,
        TimelineModel.Segment::t1).containsExactly(org.assertj.core.groups.Tuple.tuple("POSIX WRLCK 0-9", 0L, 60_000L),
        org.assertj.core.groups.Tuple.tuple("POSIX WRLCK 0-9 (restored)", 60_000L, 61_000L));
    assertThat(m.bands).extracting(TimelineModel.Band::kind).containsExactly("checkpoint", "stopped", "restart");
    assertThat(m.bands.get(1).t1()).isEqualTo(60_000);
    assertThat(m.bands.get(2).label()).isEqualTo("restart C1 · remaining · seed");
  }

  private static List<TraceEvent> setlk(long t, String type, long start, long len) {
    return List.of(ev(t, "enter", 101, "A", "fcntl", TraceEvent.args("fd", 3L, "cmd", "F_SETLK", "type", type,
        "start", start, "len", len), null, null), ev(t, "return", 101, "A", "fcntl", null, 0L, null));
  }

  @Test
  void lockRangesMergeAndSplitAsTheKernelDoes() {
    // scenarios/posix/posix-split-and-merge.yaml; /proc/locks at the end: WRITE 0-49, WRITE 100-119, READ 120-124
    List<TraceEvent> events = new ArrayList<>(List.of(
        ev(0, "enter", 101, "A", "open", TraceEvent.args("path", "/data/F1", "flags", "O_RDWR"), null, null),
        ev(0, "return", 101, "A", "open", null, 3L, null)));
    events.addAll(setlk(1000, "F_WRLCK", 0, 100));
    events.addAll(setlk(1000, "F_WRLCK", 100, 100));
    events.addAll(setlk(3000, "F_UNLCK", 50, 50));
    events.addAll(setlk(5000, "F_RDLCK", 120, 10));
    events.addAll(setlk(7000, "F_UNLCK", 125, 0));
    events.add(ev(8000, "locks", 0, "scenario", null, TraceEvent.args("lines", List.of()), null, null));
    TimelineModel.Row row = TimelineModel.build("t", false, src(events)).inodes.get(0).rows.get("lock:POSIX A[101]");
    assertThat(row.segments.stream().filter(sg -> sg.t1() == 8000).map(TimelineModel.Segment::label).sorted())
        .containsExactly("POSIX RDLCK 120-124", "POSIX WRLCK 0-49", "POSIX WRLCK 100-119");
    // the two adjacent write locks were one range 0-199 from 1 s to the unlock at 3 s
    assertThat(row.segments).extracting(TimelineModel.Segment::label, TimelineModel.Segment::t0,
        TimelineModel.Segment::t1).contains(org.assertj.core.groups.Tuple.tuple("POSIX WRLCK 0-199", 1000L, 3000L));
  }

  @Test
  void aProcessLeftOutOfARestartEndsThere() {
    List<TraceEvent> events = List.of(
        ev(0, "enter", 101, "A", "open", TraceEvent.args("path", "/f"), null, null),
        ev(0, "return", 101, "A", "open", null, 3L, null),
        ev(0, "enter", 102, "B", "open", TraceEvent.args("path", "/f"), null, null),
        ev(0, "return", 102, "B", "open", null, 3L, null),
        ev(1000, "checkpoint", 0, "scenario", null, TraceEvent.args("id", "C1", "tree", "left running"), null, null),
        ev(5000, "restart", 0, "scenario", null, TraceEvent.args("id", "C1", "policy", "remaining", "mode", "seed",
            "processes", List.of("A"), "checkpointAt", 1000L), null, null),
        ev(9000, "locks", 0, "scenario", null, TraceEvent.args("lines", List.of()), null, null));
    TimelineModel m = TimelineModel.build("t", false, src(events));
    assertThat(m.procs).extracting(p -> p.name, p -> p.to).containsExactly(
        org.assertj.core.groups.Tuple.tuple("A", 9000L), org.assertj.core.groups.Tuple.tuple("B", 5000L));
  }

  @Test
  void argumentsAsIntegersReadAsLongsDo() {
    // the emulator's own events carry int arguments, a trace read back long ones: both draw the same
    List<TraceEvent> ints = new ArrayList<>();
    for (TraceEvent e : seedLike()) {
      Map<String, Object> a = new LinkedHashMap<>();
      e.args().forEach((k, v) -> a.put(k, v instanceof Long l && l < Integer.MAX_VALUE ? (Object) (int) (long) l : v));
      ints.add(new TraceEvent(e.t(), e.kind(), e.pid(), e.proc(), e.step(), e.call(), a, e.result(), e.errno()));
    }
    assertThat(HtmlTimeline.svg(ints, "s")).isEqualTo(HtmlTimeline.svg(seedLike(), "s")).contains("POSIX WRLCK 0-9");
  }

  @Test
  void theSameTraceGivesTheSameBytesAndThePageNeedsNothingFromOutside() {
    String a = HtmlTimeline.page(seedLike(), "seed");
    String b = HtmlTimeline.page(new ArrayList<>(seedLike()), "seed");
    assertThat(a).isEqualTo(b);
    assertThat(HtmlTimeline.svg(seedLike(), "seed")).isEqualTo(HtmlTimeline.svg(seedLike(), "seed"));
    // no network: the only URL is the SVG namespace
    Matcher url = Pattern.compile("(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}").matcher(a.replace("http://www.w3.org/2000/svg", ""));
    assertThat(url.find()).as("a URL in the page").isFalse();
    assertThat(a).doesNotContain("<script src", "<link", "@import", "@font-face");
    // the stop (2 s to 60 s, the deadline at 46 s drawn in it) is compressed and said so on the axis
    assertThat(a).contains("class=\"gap-label\"", "≈44 s", "≈14 s", "compressed");
    // every drawn event is in the page's event list
    Matcher ev = Pattern.compile("data-ev=\"([0-9 ]+)\"").matcher(a);
    int drawn = 0;
    while (ev.find()) {
      for (String id : ev.group(1).split(" ")) {
        assertThat(a).contains("\"" + id + "\":{\"text\":");
        drawn++;
      }
    }
    assertThat(drawn).isGreaterThan(15);
  }

  @Test
  void faultsOfAnyKindAreBandsOverTheirNode() {
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    byNode.put("n1", List.of(ev(0, "enter", 101, "P1", "open", TraceEvent.args("path", "/f"), null, null),
        ev(1, "return", 101, "P1", "open", null, 3L, null)));
    byNode.put("n2", List.of(ev(0, "enter", 102, "P2", "open", TraceEvent.args("path", "/f"), null, null)));
    List<TraceEvent> driver = List.of(
        ev(1000, "note", 0, "drill", null, TraceEvent.args("text", "pause n2 for 5 s (SIGSTOP of its JVM)"), null, null),
        ev(2000, "journal-outage", 0, "drill", null, TraceEvent.args("forMs", 3000L), null, null),
        ev(7000, "note", 0, "drill", null, TraceEvent.args("text", "crash n2: kill -9 of its JVM"), null, null),
        ev(8000, "split-brain", 0, "drill", null, TraceEvent.args("node", "n1"), null, null),
        ev(9000, "split-brain-end", 0, "drill", null, TraceEvent.args("node", "n1"), null, null));
    TimelineModel m = TimelineModel.build("d", true, List.of("n1", "n2"), srcDrill(byNode, driver));
    assertThat(m.bands).extracting(TimelineModel.Band::kind, TimelineModel.Band::t0, TimelineModel.Band::t1,
        TimelineModel.Band::node).contains(
        org.assertj.core.groups.Tuple.tuple("pause", 1000L, 6000L, "n2"),
        org.assertj.core.groups.Tuple.tuple("journal-outage", 2000L, 5000L, null),
        org.assertj.core.groups.Tuple.tuple("crash", 7000L, 7000L, null),
        org.assertj.core.groups.Tuple.tuple("down", 7000L, 9000L, "n2"),
        org.assertj.core.groups.Tuple.tuple("split-brain", 8000L, 9000L, "n1"));
    // P2's open never returned: it ends where its node went down
    assertThat(m.procs.get(1).calls.get(0).t1()).isEqualTo(7000);
    assertThat(m.procs.get(1).calls.get(0).end()).isEqualTo("(node lost)");
    String page = HtmlTimeline.drillPage(byNode, driver, "d");
    assertThat(page).contains("data-kind=\"pause\"", "data-kind=\"journal-outage\"", "class=\"node-head\" data-node=\"n2\"");
  }

  @Test
  void theNemesisNotesOfADrillDriverAreBands() {
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    byNode.put("n1", List.of(ev(0, "enter", 101, "P1", "open", TraceEvent.args("path", "/f"), null, null)));
    byNode.put("n2", List.of(ev(0, "enter", 102, "P2", "open", TraceEvent.args("path", "/f"), null, null)));
    List<TraceEvent> driver = List.of(
        note(1000, "pause n2: SIGSTOP of its JVM (pid 4242)"),
        note(2000, "journal down: PostgreSQL stopped (120 ms)"),
        note(3000, "resume n2: SIGCONT of its JVM after 2000 ms"),
        note(4000, "journal up: PostgreSQL accepts connections again after 2100 ms"),
        note(5000, "journal down: PostgreSQL NOT stopped: no pg_ctl"),
        note(6000, "partition n2 from every other node for 1500 ms"),
        note(7000, "skew n2: its emulated clock runs 300 ms ahead"),
        note(9000, "n2 was not downed: the partition healed before the split-brain resolver decided"));
    TimelineModel m = TimelineModel.build("d", true, List.of("n1", "n2"), srcDrill(byNode, driver));
    assertThat(m.bands).extracting(TimelineModel.Band::kind, TimelineModel.Band::t0, TimelineModel.Band::t1,
        TimelineModel.Band::node).contains(
        org.assertj.core.groups.Tuple.tuple("pause", 1000L, 3000L, "n2"),
        org.assertj.core.groups.Tuple.tuple("outage", 2000L, 4000L, null),
        org.assertj.core.groups.Tuple.tuple("mark", 5000L, 5000L, null),
        org.assertj.core.groups.Tuple.tuple("partition", 6000L, 7500L, "n2"),
        org.assertj.core.groups.Tuple.tuple("skew", 7000L, 9000L, "n2"));
    assertThat(m.bands.stream().filter(b -> b.kind().equals("outage"))).hasSize(1);
    assertThat(m.scenarioMarks).extracting(TimelineModel.Mark::label)
        .containsExactly("n2 was not downed: the partition healed before the split-brain resolver decided");
  }

  private static TraceEvent note(long t, String text) {
    return ev(t, "note", 0, "drill", null, TraceEvent.args("text", text), null, null);
  }

  @Test
  void tenThousandProcessesDrawOnlyThoseInABreakOrRestartAndCountTheRest() {
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    String[] nodes = {"n1", "n2", "n3"};
    for (String n : nodes) {
      byNode.put(n, new ArrayList<>());
    }
    for (int i = 0; i < 10_000; i++) {
      int pid = 10_001 + i;
      String node = nodes[i % 3];
      List<TraceEvent> l = byNode.get(node);
      l.add(ev(500 + i % 97, "enter", pid, "G" + (i + 1), "open", TraceEvent.args("path", "/gen/f" + i), null, null));
      if (i < 7) { // a few openers in a break
        l.add(ev(600, "block", pid, "G" + (i + 1), "open", null, null, null));
      }
      l.add(ev(700 + i % 89, "return", pid, "G" + (i + 1), "open", null, 3L, null));
    }
    List<TraceEvent> driver = new ArrayList<>();
    List<String> restarted = new ArrayList<>();
    for (int i = 1; i < 10_000; i += 3) {
      restarted.add("G" + (i + 1));
    }
    driver.add(ev(3000, "note", 0, "drill", null, TraceEvent.args("text", "crash n2: kill -9 of its JVM"), null, null));
    driver.add(ev(3100, "note", 0, "drill", null, TraceEvent.args("text", "restart from C1 (committed at 2.0s) of "
        + restarted + " on [n1, n3], policy remaining"), null, null));
    TimelineModel m = TimelineModel.build("x", true, List.of(nodes), srcDrill(byNode, driver));
    String page = TimelineSvg.render(m);
    assertThat(m.totalProcesses).isEqualTo(10_000);
    assertThat(m.procs).hasSize(TimelineModel.MAX_DRAWN);
    assertThat(m.procs.stream().filter(p -> p.inBreak)).hasSize(7);
    assertThat(m.summaries).extracting(TimelineModel.Summary::node).containsExactly("n1", "n2", "n3");
    assertThat(m.summaries.stream().mapToInt(TimelineModel.Summary::processes).sum())
        .isEqualTo(10_000 - TimelineModel.MAX_DRAWN);
    assertThat(page).contains("class=\"lane summary-lane\" data-node=\"n2\"");
    assertThat(page.length()).as("SVG size").isLessThan(1_000_000);
    // only the drawn processes' events go into the page
    assertThat(m.events.size()).isLessThan(400);
  }

  static List<TimelineModel.Src> src(List<TraceEvent> events) {
    List<TimelineModel.Src> s = new ArrayList<>();
    events.forEach(e -> s.add(new TimelineModel.Src(s.size(), null, e)));
    return s;
  }

  static List<TimelineModel.Src> srcDrill(Map<String, List<TraceEvent>> byNode, List<TraceEvent> driver) {
    List<TimelineModel.Src> s = new ArrayList<>();
    byNode.forEach((n, l) -> l.forEach(e -> s.add(new TimelineModel.Src(0, n, e))));
    driver.forEach(e -> s.add(new TimelineModel.Src(0, "", e)));
    s.sort(java.util.Comparator.comparingLong(x -> x.e().t()));
    List<TimelineModel.Src> out = new ArrayList<>();
    s.forEach(x -> out.add(new TimelineModel.Src(out.size(), x.node(), x.e())));
    return out;
  }
}
