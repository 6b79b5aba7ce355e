package io.leasecr.node.report;

import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a timeline page draws, read from trace events: lanes per process (per node in drills), lanes per inode
 * (lease state and lock ranges), bands across the lanes (checkpoints, restarts, restores, and faults of any kind)
 * and, for traces too large to draw whole, a summary per node. Every collection iterates in a fixed order
 * (insertion or sorted), so equal traces give equal pages.
 */
final class TimelineModel {

  /** Over this many process lanes, only those in a break or a restart are drawn, and at most {@link #MAX_DRAWN}. */
  static final int DRAW_ALL_UP_TO = 60;
  static final int MAX_DRAWN = 120;

  /** Kinds a process or the kernel reports; anything else from the scenario or the driver is drawn as a band. */
  private static final Set<String> NOT_BANDS = Set.of("enter", "block", "return", "restart", "signal", "reaction",
      "exit", "lease", "kill", "sysctl", "locks", "note", "fork");
  /** First words of driver notes that are faults or recovery (a drill's nemesis), drawn as bands. */
  private static final Pattern DRIVER_BAND = Pattern.compile(
      "^(crash|partition|pause|freeze|stop|outage|journal[-_ ]outage|db[-_ ]outage|database[-_ ]outage|"
          + "journal|database|restart|restored|checkpoint|start_node|heal|resume|skew)\\b(.*)", Pattern.DOTALL);
  private static final Pattern FOR = Pattern.compile("\\bfor (\\d+(?:\\.\\d+)?) ?(ms|s)\\b");
  private static final Pattern IN = Pattern.compile("\\bin (\\d+) ms\\b");
  private static final Pattern NODE_WORD = Pattern.compile("^\\s*:?\\s*([A-Za-z][\\w-]*)");
  private static final Pattern LIST = Pattern.compile("\\[([^\\]]*)]");

  /** One input event with its place in the page's event list and the node whose trace it came from. */
  record Src(int seq, String node, TraceEvent e) {}

  record Call(long t0, long blockAt, long t1, boolean returned, String call, String end, boolean failed,
      List<Integer> evs) {}

  record Mark(long t, String type, String label, int ev) {}

  /** A call not yet returned. */
  static final class CallBuilder {
    final long t0;
    final String call;
    final TraceEvent enter;
    final List<Integer> evs = new ArrayList<>();
    long blockAt = -1;

    CallBuilder(long t0, String call, int ev, TraceEvent enter) {
      this.t0 = t0;
      this.call = call == null ? "?" : call;
      this.enter = enter;
      evs.add(ev);
    }

    Call done(long t1, boolean returned, String end, boolean failed) {
      return new Call(t0, blockAt, t1, returned, call, end, failed, List.copyOf(evs));
    }
  }

  private record OpenBand(long t0, String kind, String label, String node, int ev) {}

  static final class ProcLane {
    final String node;
    final int pid;
    String name;
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    final List<Call> calls = new ArrayList<>();
    final List<Mark> marks = new ArrayList<>();
    boolean exited;
    long goneAt = Long.MAX_VALUE;
    boolean inBreak;
    boolean inRestart;
    int events;

    ProcLane(String node, int pid, String name) {
      this.node = node;
      this.pid = pid;
      this.name = name;
    }

    String title() {
      return name + "[" + pid + "]";
    }
  }

  record Segment(long t0, long t1, String state, String label, int ev) {}

  record Tick(long t, String label, int ev) {}

  static final class Row {
    final String label;
    final List<Segment> segments = new ArrayList<>();
    final List<Tick> ticks = new ArrayList<>();

    Row(String label) {
      this.label = label;
    }
  }

  static final class InodeLane {
    final String node;
    final String path;
    Long ino;
    final Map<String, Row> rows = new LinkedHashMap<>();

    InodeLane(String node, String path) {
      this.node = node;
      this.path = path;
    }

    String title() {
      return path + (ino != null ? " (ino " + ino + ")" : "");
    }
  }

  /** A band across the lanes (node null) or across one node's lanes; t0 == t1 is an instant. */
  record Band(long t0, long t1, String kind, String label, String node, int ev) {}

  /** The processes of one node not drawn one by one: how many, and when their events happened. */
  record Summary(String node, int processes, int inBreakOrRestart, List<Long> times) {}

  /**
   * Up to {@link #BLOCK} processes of one node not drawn in the main picture, consecutive by pid: the page
   * shows each block as a line (its counts and a density strip) that expands into its lanes.
   */
  record Block(String node, int firstPid, int lastPid, List<ProcLane> lanes, int inBreak, int inRestart) {}

  /** Processes per expandable block of the lanes not drawn. */
  static final int BLOCK = 100;

  final String title;
  final boolean drill;
  final List<String> nodes = new ArrayList<>();
  final List<ProcLane> procs = new ArrayList<>();
  final List<InodeLane> inodes = new ArrayList<>();
  final List<Band> bands = new ArrayList<>();
  final List<Mark> scenarioMarks = new ArrayList<>();
  final List<Summary> summaries = new ArrayList<>();
  final List<Block> blocks = new ArrayList<>();
  final Map<String, Long> nodeDown = new TreeMap<>();
  final Map<Integer, String> events = new TreeMap<>(); // seq -> JSON line, only those drawn
  final List<Src> all;
  long end;
  int totalProcesses;

  private final Map<String, ProcLane> procByKey = new LinkedHashMap<>();
  private final Map<Integer, ProcLane> firstByPid = new LinkedHashMap<>();
  private final Map<String, InodeLane> inodeByKey = new LinkedHashMap<>();
  private final Map<String, Deque<CallBuilder>> open = new LinkedHashMap<>();
  private final Map<String, Map<Long, String>> fds = new LinkedHashMap<>();
  private final Map<String, Map<String, Open>> lockOpen = new LinkedHashMap<>();
  private final Map<String, Open> leaseOpen = new LinkedHashMap<>();
  private final Map<String, Map<String, Map<String, Open>>> locksAt = new LinkedHashMap<>();
  private final Map<String, OpenBand> bandOpen = new LinkedHashMap<>();
  private OpenBand stopped;

  private record Open(long t0, String state, String label, int ev, String lane, String row) {}

  private TimelineModel(String title, boolean drill, List<Src> all) {
    this.title = title;
    this.drill = drill;
    this.all = all;
  }

  static TimelineModel build(String title, boolean drill, List<Src> all) {
    return build(title, drill, List.of(), all);
  }

  /** nodeOrder: the nodes' order on the page (others follow in order of their first event). */
  static TimelineModel build(String title, boolean drill, List<String> nodeOrder, List<Src> all) {
    TimelineModel m = new TimelineModel(title, drill, all);
    m.nodes.addAll(nodeOrder);
    for (Src s : all) {
      if (s.node() != null && !s.node().isEmpty() && !m.nodes.contains(s.node())) {
        m.nodes.add(s.node());
      }
      m.end = Math.max(m.end, s.e().t());
    }
    for (Src s : all) {
      m.take(s);
    }
    m.finish();
    return m;
  }

  private static String key(String node, int pid) {
    return (node == null ? "" : node) + "#" + pid;
  }

  private ProcLane proc(Src s, int pid, String name) {
    ProcLane p = procByKey.computeIfAbsent(key(s.node(), pid), k -> {
      ProcLane lane = new ProcLane(s.node(), pid, name);
      firstByPid.putIfAbsent(pid, lane);
      return lane;
    });
    if (p.name.equals("?") && name != null && !name.equals("kernel") && !name.equals("?")) {
      p.name = name;
    }
    p.from = Math.min(p.from, s.e().t());
    p.to = Math.max(p.to, s.e().t());
    if (s.e().t() > p.goneAt) {
      p.goneAt = Long.MAX_VALUE;
    }
    p.events++;
    return p;
  }

  private int ref(Src s) {
    events.put(s.seq(), null);
    return s.seq();
  }

  private void take(Src s) {
    TraceEvent e = s.e();
    boolean driver = "".equals(s.node());
    if (driver) {
      driverEvent(s);
      return;
    }
    switch (e.kind()) {
      case "enter", "block", "return", "restart" -> {
        if (e.pid() == 0) {
          scenarioBand(s);
        } else {
          call(s);
        }
      }
      case "signal" -> {
        ProcLane p = proc(s, e.pid(), e.proc());
        StringBuilder l = new StringBuilder(str(e.arg("signal")));
        if (e.arg("code") != null) {
          l.append(' ').append(e.arg("code"));
        }
        if (e.arg("fd") != null) {
          l.append(" si_fd=").append(e.arg("fd"));
        }
        p.marks.add(new Mark(e.t(), "signal", l.toString(), ref(s)));
      }
      case "reaction" -> proc(s, e.pid(), e.proc()).marks.add(new Mark(e.t(), "reaction",
          "handler " + str(e.arg("signal")) + ": " + str(e.arg("action")) + (e.arg("fd") != null ? " fd " + e.arg("fd") : ""),
          ref(s)));
      case "exit" -> {
        ProcLane p = proc(s, e.pid(), e.proc());
        p.exited = true;
        boolean killed = e.arg("signal") != null;
        p.marks.add(new Mark(e.t(), killed ? "killed" : "exit",
            killed ? "killed by " + e.arg("signal") : "exit(" + str(e.arg("status")) + ")", ref(s)));
        endProcess(s, e.pid());
      }
      case "kill" -> {
        Object target = e.arg("targetPid");
        Long targetPid = num(target);
        int pid = targetPid == null ? 0 : (int) (long) targetPid;
        if (pid > 0) {
          ProcLane p = proc(s, pid, str(e.arg("target")));
          p.marks.add(new Mark(e.t(), "kill", "kill " + str(e.arg("signal")), ref(s)));
        } else {
          scenarioMarks.add(new Mark(e.t(), "kill", "kill " + str(e.arg("signal")), ref(s)));
        }
      }
      case "lease" -> lease(s);
      case "sysctl" -> scenarioMarks.add(new Mark(e.t(), "sysctl", e.arg("name") + " = " + e.arg("value"), ref(s)));
      case "locks" -> scenarioMarks.add(new Mark(e.t(), "locks", "/proc/locks" + (e.step() > 0 ? "" : " at the end"),
          ref(s)));
      case "note" -> {
        if (e.pid() > 0 && e.proc().equals("kernel")) {
          kernelNote(s);
        } else if (e.pid() > 0) {
          proc(s, e.pid(), e.proc()).marks.add(new Mark(e.t(), "note", str(e.arg("text")), ref(s)));
        } else {
          scenarioMarks.add(new Mark(e.t(), "note", str(e.arg("text")), ref(s)));
        }
      }
      default -> {
        if (e.pid() == 0 || !NOT_BANDS.contains(e.kind())) {
          scenarioBand(s);
        } else {
          proc(s, e.pid(), e.proc()).marks.add(new Mark(e.t(), "note", e.kind(), ref(s)));
        }
      }
    }
  }

  /**
   * The kernel's word about a process: on that process's lane on this node if it has one (or if the note says it
   * is about this node: a drill's node starting a restored process's entity), else on its lane elsewhere.
   */
  private void kernelNote(Src s) {
    TraceEvent e = s.e();
    String text = str(e.arg("text"));
    Mark mark = new Mark(e.t(), "note", text, ref(s));
    ProcLane here = procByKey.get(key(s.node(), e.pid()));
    if (here == null && s.node() != null && !text.contains(" on " + s.node())) {
      here = firstByPid.get(e.pid());
    }
    if (here == null) {
      here = proc(s, e.pid(), "?");
    }
    here.marks.add(mark);
  }

  // ---- calls

  private void call(Src s) {
    TraceEvent e = s.e();
    ProcLane p = proc(s, e.pid(), e.proc());
    Deque<CallBuilder> stack = open.computeIfAbsent(key(s.node(), e.pid()), k -> new ArrayDeque<>());
    switch (e.kind()) {
      case "enter" -> {
        stack.push(new CallBuilder(e.t(), e.call(), ref(s), e));
        if ("fork".equals(e.call()) && num(e.arg("childPid")) != null) {
          fds.put(key(s.node(), (int) (long) num(e.arg("childPid"))), new TreeMap<>(fdTable(s.node(), e.pid())));
        }
      }
      case "block", "restart" -> {
        CallBuilder c = find(stack, e.call());
        if (c == null) {
          c = new CallBuilder(e.t(), e.call(), ref(s), null);
          stack.push(c);
        } else {
          c.evs.add(ref(s));
        }
        if (e.kind().equals("block") && c.blockAt < 0) {
          c.blockAt = e.t();
        }
        if (e.kind().equals("restart")) {
          p.inRestart = true;
          p.marks.add(new Mark(e.t(), "restart", e.call() + " restarted"
              + (e.arg("after") != null ? " after " + e.arg("after") : "")
              + (e.arg("errno") != null ? " (-" + e.arg("errno") + ")" : ""), s.seq()));
        } else {
          p.inBreak = true;
        }
      }
      default -> { // return
        CallBuilder c = find(stack, e.call());
        if (c == null) {
          c = new CallBuilder(e.t(), e.call(), ref(s), null);
        } else {
          stack.remove(c);
          c.evs.add(ref(s));
        }
        String end = e.errno() != null ? "-1 " + e.errno() : "= " + (e.result() == null ? "?" : e.result());
        p.calls.add(c.done(e.t(), true, end, e.errno() != null));
        afterReturn(s, c);
      }
    }
  }

  private static CallBuilder find(Deque<CallBuilder> stack, String call) {
    for (CallBuilder c : stack) {
      if (c.call.equals(call)) {
        return c;
      }
    }
    return null;
  }

  private void endProcess(Src s, int pid) {
    Deque<CallBuilder> stack = open.remove(key(s.node(), pid));
    ProcLane p = procByKey.get(key(s.node(), pid));
    if (stack != null) {
      for (CallBuilder c : stack) {
        p.calls.add(c.done(s.e().t(), false, "(unfinished)", false));
      }
    }
    String prefix = lockPrefix(s.node(), pid);
    lockOpen.forEach((lane, held) -> new ArrayList<>(held.keySet()).stream().filter(k -> k.startsWith(prefix))
        .forEach(k -> closeLock(lane, k, s.e().t())));
  }

  // ---- file descriptors and locks (POSIX by process, OFD by open description, flock)

  private Map<Long, String> fdTable(String node, int pid) {
    return fds.computeIfAbsent(key(node, pid), k -> new TreeMap<>());
  }

  private void afterReturn(Src s, CallBuilder c) {
    TraceEvent e = s.e();
    TraceEvent enter = c.enter;
    if (enter == null || e.errno() != null || e.result() == null) {
      return;
    }
    Map<Long, String> table = fdTable(s.node(), e.pid());
    switch (c.call) {
      case "open", "openat", "creat" -> {
        if (enter.arg("path") != null) {
          table.put(e.result(), str(enter.arg("path")));
        }
      }
      case "dup", "dup2", "dup3" -> {
        String path = pathOf(table, enter.arg("fd"));
        if (path != null) {
          table.put(e.result(), path);
        }
      }
      case "close" -> {
        Long closed = num(enter.arg("fd"));
        String path = closed == null ? null : table.remove(closed);
        if (path != null) {
          Map<String, Open> held = lockOpen.get(laneKey(s.node(), path));
          if (held != null) {
            String posix = lockPrefix(s.node(), e.pid()) + "POSIX";
            String fdOwned = lockPrefix(s.node(), e.pid()) + "fd" + num(enter.arg("fd")) + ":";
            for (String k : new ArrayList<>(held.keySet())) {
              if (k.startsWith(posix) || k.startsWith(fdOwned)) {
                closeLock(laneKey(s.node(), path), k, e.t());
              }
            }
          }
        }
      }
      case "fcntl" -> {
        String cmd = str(enter.arg("cmd"));
        if (cmd.startsWith("F_DUPFD")) {
          String path = pathOf(table, enter.arg("fd"));
          if (path != null) {
            table.put(e.result(), path);
          }
        } else if (cmd.equals("F_SETLK") || cmd.equals("F_SETLKW") || cmd.equals("F_OFD_SETLK")
            || cmd.equals("F_OFD_SETLKW")) {
          boolean ofd = cmd.startsWith("F_OFD");
          lock(s, pathOf(table, enter.arg("fd")), ofd ? "OFD" : "POSIX", ofd ? num(enter.arg("fd")) : null,
              str(enter.arg("type")), num(enter.arg("start")), num(enter.arg("len")));
        }
      }
      case "flock" -> {
        String op = null;
        for (Object v : enter.args().values()) {
          if (v instanceof String str && str.contains("LOCK_")) {
            op = str;
          }
        }
        if (op != null) {
          lock(s, pathOf(table, enter.arg("fd")), "FLOCK", num(enter.arg("fd")),
              op.contains("LOCK_UN") ? "F_UNLCK" : op.contains("LOCK_EX") ? "F_WRLCK" : "F_RDLCK", 0L, 0L);
        }
      }
      default -> { }
    }
  }

  private static String pathOf(Map<Long, String> table, Object fd) {
    Long n = num(fd);
    return n == null ? null : table.get(n);
  }

  private static String lockPrefix(String node, int pid) {
    return key(node, pid) + "/";
  }

  private static String laneKey(String node, String path) {
    return (node == null ? "" : node) + "|" + path;
  }

  /**
   * A lock or unlock over [start, start + len) (len 0: to EOF) by one owner, as fs/locks.c's
   * posix_lock_inode does it: the owner's ranges of the same type that overlap or touch are merged into the
   * new one, those of another type are cut back (split in two when the new range falls inside), an unlock
   * only cuts. A range that changes ends its bar here and its remnant starts a new one.
   */
  private void lock(Src s, String path, String kind, Long fd, String type, Long start, Long len) {
    if (path == null) {
      return;
    }
    TraceEvent e = s.e();
    InodeLane lane = inode(s.node(), path, null);
    String lk = laneKey(s.node(), path);
    Map<String, Open> held = lockOpen.computeIfAbsent(lk, k -> new LinkedHashMap<>());
    long from = start == null ? 0 : start;
    long to = len == null || len == 0 ? Long.MAX_VALUE : from + len; // exclusive
    String owner = lockPrefix(s.node(), e.pid()) + (fd != null ? "fd" + fd + ":" : "") + kind;
    String t = type.replace("F_", "");
    String rowLabel = kind + " " + procName(s, e.pid());
    String row = "lock:" + rowLabel;
    int ev = ref(s);
    List<long[]> remnants = new ArrayList<>();
    List<String> remnantTypes = new ArrayList<>();
    for (String k : new ArrayList<>(held.keySet())) {
      if (!k.startsWith(owner + "@")) {
        continue;
      }
      long[] r = range(k.substring(k.indexOf('@') + 1));
      String rt = k.substring(k.lastIndexOf('#') + 1);
      boolean same = rt.equals(t);
      boolean touches = same && (r[1] == from || (to != Long.MAX_VALUE && r[0] == to));
      if (!(r[0] < to && from < r[1]) && !touches) {
        continue;
      }
      closeLock(lk, k, e.t());
      if (same) { // merged into the new range
        from = Math.min(from, r[0]);
        to = Math.max(to, r[1]);
      } else {
        if (r[0] < from) {
          remnants.add(new long[] {r[0], from});
          remnantTypes.add(rt);
        }
        if (to < r[1]) {
          remnants.add(new long[] {to, r[1]});
          remnantTypes.add(rt);
        }
      }
    }
    for (int i = 0; i < remnants.size(); i++) {
      long[] r = remnants.get(i);
      openLock(held, lk, row, owner, kind, remnantTypes.get(i), r[0], r[1], e.t(), ev);
    }
    if (!t.equals("UNLCK")) {
      lane.rows.computeIfAbsent(row, k -> new Row(rowLabel));
      openLock(held, lk, row, owner, kind, t, from, to, e.t(), ev);
    }
  }

  private static void openLock(Map<String, Open> held, String lk, String row, String owner, String kind, String type,
      long from, long to, long t, int ev) {
    String what = kind + " " + type + " " + from + "-" + (to == Long.MAX_VALUE ? "EOF" : String.valueOf(to - 1));
    held.put(owner + "@" + from + "," + to + "#" + type,
        new Open(t, "lock-" + type.toLowerCase(Locale.ROOT), what, ev, lk, row));
  }

  private String procName(Src s, int pid) {
    ProcLane p = procByKey.get(key(s.node(), pid));
    return p == null ? "pid " + pid : p.title();
  }

  /** "from,to#TYPE" to {from, to}. */
  private static long[] range(String s) {
    String[] p = s.substring(0, s.indexOf('#')).split(",");
    return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])};
  }

  private void closeLock(String laneKey, String k, long t) {
    Open o = lockOpen.get(laneKey).remove(k);
    if (o != null) {
      InodeLane lane = inodeByKey.get(o.lane());
      lane.rows.get(o.row()).segments.add(new Segment(o.t0(), t, o.state(), o.label(), o.ev()));
    }
  }

  // ---- leases

  private InodeLane inode(String node, String path, Long ino) {
    InodeLane lane = inodeByKey.computeIfAbsent(laneKey(node, path), k -> {
      InodeLane l = new InodeLane(node, path);
      inodes.add(l);
      return l;
    });
    if (ino != null) {
      lane.ino = ino;
    }
    return lane;
  }

  private void lease(Src s) {
    TraceEvent e = s.e();
    String path = str(e.arg("path"));
    InodeLane lane = inode(s.node(), path, num(e.arg("ino")));
    String holder = procName(s, e.pid());
    String rowKey = "lease:" + e.pid();
    lane.rows.computeIfAbsent(rowKey, k -> new Row("lease, holder " + holder));
    String lk = laneKey(s.node(), path) + "@" + e.pid();
    int ev = ref(s);
    Open prev = leaseOpen.remove(lk);
    if (prev != null) {
      lane.rows.get(rowKey).segments.add(new Segment(prev.t0(), e.t(), prev.state(), prev.label(), prev.ev()));
    }
    String type = str(e.arg("type"));
    String target = e.arg("target") == null ? type : str(e.arg("target"));
    String change = str(e.arg("change"));
    if (change.startsWith("break") || change.startsWith("restored")) {
      ProcLane p = procByKey.get(key(s.node(), e.pid()));
      if (p != null) {
        if (change.startsWith("break")) {
          p.inBreak = true;
        } else {
          p.inRestart = true;
        }
      }
    }
    if (!type.equals("UNLCK")) {
      boolean breaking = !target.equals(type);
      String state = breaking ? "breaking" : type.equals("WRITE") ? "write" : "read";
      String label = breaking ? "BREAKING " + type + "→" + target : "ACTIVE " + type;
      leaseOpen.put(lk, new Open(e.t(), state, label + " · " + holder, ev, laneKey(s.node(), path), rowKey));
    }
    if (num(e.arg("deadline")) != null) {
      long d = num(e.arg("deadline"));
      lane.rows.get(rowKey).ticks.add(new Tick(d, "deadline " + TimeScale.secs(d), ev));
      end = Math.max(end, d);
    }
  }

  // ---- bands

  private void scenarioBand(Src s) {
    TraceEvent e = s.e();
    int ev = ref(s);
    switch (e.kind()) {
      case "checkpoint" -> {
        Map<String, Map<String, Open>> snapshot = new LinkedHashMap<>();
        lockOpen.forEach((lane, held) -> snapshot.put(lane, new LinkedHashMap<>(held)));
        locksAt.put(str(e.arg("id")), snapshot);
        bands.add(new Band(e.t(), e.t(), "checkpoint", "checkpoint " + str(e.arg("id"))
            + (e.arg("processes") != null ? " · " + e.arg("processes") + " proc" : ""), null, ev));
        if ("stopped".equals(e.arg("tree"))) {
          stopped = new OpenBand(e.t(), "stopped", "tree stopped after " + str(e.arg("id")), null, ev);
        }
      }
      case "restart" -> {
        if (stopped != null) {
          bands.add(new Band(stopped.t0(), e.t(), "stopped", stopped.label(), null, stopped.ev()));
          stopped = null;
        }
        bands.add(new Band(e.t(), e.t(), "restart", "restart " + str(e.arg("id")) + " · " + str(e.arg("policy"))
            + " · " + str(e.arg("mode")), null, ev));
        if (e.arg("processes") instanceof List<?> names) {
          markRestarted(s.node(), names);
          replaceTree(e.t(), str(e.arg("id")), names);
        }
      }
      case "restored" -> {
        long ms = num(e.arg("restoreMs")) == null ? 0 : num(e.arg("restoreMs"));
        bands.add(new Band(e.t() - ms, e.t(), "restore", "restore " + TimeScale.duration(ms) + " (cost model)", null,
            ev));
      }
      default -> genericBand(e.kind(), e.t(), describe(e), targetOf(e), e.args(), ev);
    }
  }

  /**
   * A restart replaces the tree: what was held ends here; the restored leases come as their own events, the
   * restored processes' locks are those they held at the checkpoint.
   */
  private void replaceTree(long t, String id, List<?> names) {
    for (String lk : new ArrayList<>(leaseOpen.keySet())) {
      Open o = leaseOpen.remove(lk);
      inodeByKey.get(o.lane()).rows.get(o.row()).segments.add(new Segment(o.t0(), t, o.state(), o.label(), o.ev()));
    }
    for (Map.Entry<String, Map<String, Open>> held : lockOpen.entrySet()) {
      for (String k : new ArrayList<>(held.getValue().keySet())) {
        closeLock(held.getKey(), k, t);
      }
    }
    Map<String, Map<String, Open>> snapshot = locksAt.get(id);
    if (snapshot == null) {
      return;
    }
    Set<String> restored = new TreeSet<>();
    for (ProcLane p : procByKey.values()) {
      if (names.contains(p.name)) {
        restored.add(lockPrefix(p.node, p.pid));
        p.goneAt = Long.MAX_VALUE;
      } else if (!p.exited) {
        p.goneAt = t; // not in the restored tree: its lane ends here (unless it shows up again)
      }
    }
    snapshot.forEach((lane, held) -> held.forEach((k, o) -> {
      if (restored.stream().anyMatch(k::startsWith)) {
        lockOpen.computeIfAbsent(lane, x -> new LinkedHashMap<>())
            .put(k, new Open(t, o.state(), o.label() + " (restored)", o.ev(), o.lane(), o.row()));
      }
    }));
  }

  private void markRestarted(String node, List<?> names) {
    Set<String> n = new TreeSet<>();
    names.forEach(x -> n.add(String.valueOf(x)));
    for (ProcLane p : procByKey.values()) {
      if (n.contains(p.name)) {
        p.inRestart = true;
      }
    }
  }

  private static String describe(TraceEvent e) {
    StringBuilder b = new StringBuilder(e.kind());
    e.args().forEach((k, v) -> {
      if (!(v instanceof List) && !(v instanceof Map)) {
        b.append(' ').append(k).append('=').append(v);
      }
    });
    return b.toString();
  }

  private String targetOf(TraceEvent e) {
    Object n = e.arg("node");
    return n instanceof String s && nodes.contains(s) ? s : null;
  }

  /**
   * A fault or recovery of any kind: it lasts for its {@code forMs}/{@code durationMs}/{@code ms} argument (or
   * "for N ms" in its text), or until an event of kind {@code KIND-end}/{@code heal}/{@code resume} for the
   * same target; otherwise it is an instant.
   */
  private void genericBand(String kind, long t, String label, String node, Map<String, Object> args, int ev) {
    String base = kind.replaceAll("[-_ ]?(end|ended|over|healed|heal)$", "");
    boolean closes = !base.equals(kind) || kind.equals("heal") || kind.equals("resume") || kind.equals("thaw");
    if (closes) {
      String opener = kind.equals("resume") || kind.equals("thaw") ? "pause" : kind.equals("heal") ? "partition" : base;
      OpenBand o = bandOpen.remove(opener + "|" + node);
      if (o == null && node != null) {
        o = bandOpen.remove(opener + "|null");
      }
      if (o != null) {
        bands.add(new Band(o.t0(), t, o.kind(), o.label(), o.node(), o.ev()));
      }
      bands.add(new Band(t, t, "mark", label, node, ev));
      return;
    }
    Long ms = null;
    for (String k : List.of("forMs", "durationMs", "ms", "for")) {
      if (num(args.get(k)) != null) {
        ms = num(args.get(k));
        break;
      }
    }
    if (ms == null) {
      Matcher m = FOR.matcher(label);
      if (m.find()) {
        double v = Double.parseDouble(m.group(1));
        ms = Math.round(m.group(2).equals("s") ? v * 1000 : v);
      }
    }
    if (ms != null) {
      bands.add(new Band(t, t + ms, kind, label, node, ev));
      end = Math.max(end, t + ms);
    } else if (kind.equals("crash") && node != null) {
      nodeDown.putIfAbsent(node, t);
      bands.add(new Band(t, t, kind, label, node, ev));
    } else {
      bandOpen.put(kind + "|" + node, new OpenBand(t, kind, label, node, ev));
    }
  }

  private void driverEvent(Src s) {
    TraceEvent e = s.e();
    String text = e.kind().equals("note") ? str(e.arg("text")) : describe(e);
    if (!e.kind().equals("note")) {
      if (NOT_BANDS.contains(e.kind())) {
        scenarioMarks.add(new Mark(e.t(), "note", text, ref(s)));
      } else if (e.kind().equals("checkpoint") || e.kind().equals("restart") || e.kind().equals("restored")) {
        scenarioBand(s);
      } else { // a fault or recovery step of the driver's, by its kind
        genericBand(e.kind(), e.t(), text, targetOf(e), e.args(), ref(s));
      }
      return;
    }
    Matcher m = DRIVER_BAND.matcher(text);
    if (!m.find()) {
      scenarioMarks.add(new Mark(e.t(), "note", text, ref(s)));
      return;
    }
    String word = m.group(1).toLowerCase(Locale.ROOT).replace(' ', '-').replace('_', '-');
    String rest = m.group(2);
    int ev = ref(s);
    String node = e.arg("node") instanceof String n ? n : null;
    if (node == null) {
      Matcher w = NODE_WORD.matcher(rest);
      if (w.find() && nodes.contains(w.group(1))) {
        node = w.group(1);
      }
    }
    String label = text.length() > 90 ? text.substring(0, 90) + "…" : text;
    switch (word) {
      case "checkpoint" -> bands.add(new Band(e.t(), e.t(), "checkpoint", label, null, ev));
      case "restart" -> {
        bands.add(new Band(e.t(), e.t(), "restart", label, null, ev));
        Matcher l = LIST.matcher(rest);
        if (l.find()) {
          markRestarted(null, List.of(l.group(1).split(",\\s*")));
        }
      }
      case "restored" -> {
        Matcher in = IN.matcher(rest);
        long ms = in.find() ? Long.parseLong(in.group(1)) : 0;
        bands.add(new Band(e.t() - ms, e.t(), "restore", label, null, ev));
      }
      case "start-node" -> bands.add(new Band(e.t(), e.t(), "mark", label, node, ev));
      case "crash" -> {
        if (node != null) {
          nodeDown.putIfAbsent(node, e.t());
        }
        bands.add(new Band(e.t(), e.t(), "crash", label, null, ev));
      }
      default -> {
        String kind = word.contains("outage") || word.equals("journal") || word.equals("database") ? "outage"
            : word.equals("freeze") || word.equals("stop") ? "pause" : word;
        if ((word.equals("journal") || word.equals("database"))
            && rest.matches("(?s)\\s*(up\\b.*|.*\\b(back|again|restored|ended?)\\b.*)")) {
          kind = "outage-end";
        }
        if (rest.contains(" NOT ") || rest.contains("nothing to")) {
          bands.add(new Band(e.t(), e.t(), "mark", label, node, ev)); // a fault step that did not happen
        } else {
          genericBand(kind, e.t(), label, node, e.args(), ev);
        }
      }
    }
  }

  // ---- the end

  private void finish() {
    for (Map.Entry<String, Deque<CallBuilder>> en : open.entrySet()) {
      ProcLane p = procByKey.get(en.getKey());
      long until = nodeDown.containsKey(p.node == null ? "" : p.node) ? nodeDown.get(p.node) : end;
      for (CallBuilder c : en.getValue()) {
        p.calls.add(c.done(Math.max(c.t0, until), false, nodeDown.containsKey(p.node == null ? "" : p.node)
            ? "(node lost)" : "(still in the call)", false));
      }
    }
    open.clear();
    leaseOpen.forEach((k, o) -> inodeByKey.get(o.lane()).rows.get(o.row()).segments
        .add(new Segment(o.t0(), Math.max(o.t0(), end), o.state(), o.label(), o.ev())));
    lockOpen.forEach((lk, held) -> held.values().forEach(o -> inodeByKey.get(o.lane()).rows.get(o.row()).segments
        .add(new Segment(o.t0(), Math.max(o.t0(), end), o.state(), o.label(), o.ev()))));
    if (stopped != null) {
      bands.add(new Band(stopped.t0(), end, "stopped", stopped.label(), null, stopped.ev()));
    }
    bandOpen.values().forEach(o -> bands.add(new Band(o.t0(), Math.max(o.t0(), end), o.kind(), o.label() + " (until the end)",
        o.node(), o.ev())));
    nodeDown.forEach((node, t) -> bands.add(new Band(t, Math.max(t, end), "down", node + " down", node, -1)));

    // a process seen on two nodes was restarted on the second (a drill); a kernel-only lane takes the name
    Map<Integer, List<ProcLane>> byPid = new TreeMap<>();
    procByKey.values().forEach(p -> byPid.computeIfAbsent(p.pid, k -> new ArrayList<>()).add(p));
    for (List<ProcLane> same : byPid.values()) {
      String name = same.stream().map(p -> p.name).filter(n -> !n.equals("?")).findFirst().orElse("?");
      same.forEach(p -> p.name = name);
      if (same.size() > 1) {
        same.forEach(p -> p.inRestart = true);
      }
    }
    List<ProcLane> lanes = new ArrayList<>(procByKey.values());
    lanes.sort((a, b) -> {
      int n = Integer.compare(nodeIndex(a.node), nodeIndex(b.node));
      return n != 0 ? n : a.pid != b.pid ? Integer.compare(a.pid, b.pid) : Long.compare(a.from, b.from);
    });
    for (ProcLane p : lanes) {
      p.calls.sort((a, b) -> Long.compare(a.t0(), b.t0()));
      p.to = Math.max(p.to, p.exited ? p.to : Math.min(p.goneAt, nodeDown.getOrDefault(p.node == null ? "" : p.node, end)));
    }
    totalProcesses = lanes.size();
    if (lanes.size() <= DRAW_ALL_UP_TO) {
      procs.addAll(lanes);
    } else {
      Map<String, int[]> counts = new LinkedHashMap<>();
      Map<String, List<Long>> times = new LinkedHashMap<>();
      // whole processes (all their lanes), those in a break first, then those in a restart, by pid
      Map<Integer, List<ProcLane>> candidates = new TreeMap<>();
      for (ProcLane p : lanes) {
        if (p.inBreak || p.inRestart) {
          candidates.computeIfAbsent(p.pid, k -> new ArrayList<>()).add(p);
        }
      }
      List<List<ProcLane>> order = new ArrayList<>();
      candidates.values().stream().filter(l -> l.stream().anyMatch(p -> p.inBreak)).forEach(order::add);
      candidates.values().stream().filter(l -> l.stream().noneMatch(p -> p.inBreak)).forEach(order::add);
      for (List<ProcLane> l : order) {
        if (procs.size() + l.size() > MAX_DRAWN) {
          break;
        }
        procs.addAll(l);
      }
      Set<ProcLane> shown = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      shown.addAll(procs);
      for (ProcLane p : lanes) {
        if (!shown.contains(p)) {
          String n = p.node == null ? "" : p.node;
          int[] c = counts.computeIfAbsent(n, k -> new int[2]);
          c[0]++;
          if (p.inBreak || p.inRestart) {
            c[1]++;
          }
        }
      }
      procs.sort((a, b) -> {
        int n = Integer.compare(nodeIndex(a.node), nodeIndex(b.node));
        return n != 0 ? n : a.pid != b.pid ? Integer.compare(a.pid, b.pid) : Long.compare(a.from, b.from);
      });
      Set<String> hidden = new TreeSet<>();
      for (ProcLane p : lanes) {
        if (!shown.contains(p)) {
          hidden.add(key(p.node, p.pid));
        }
      }
      for (Src s : all) {
        if (s.node() != null && !s.node().isEmpty() && s.e().pid() > 0 && !s.e().proc().equals("kernel")
            && hidden.contains(key(s.node(), s.e().pid()))) {
          times.computeIfAbsent(s.node(), k -> new ArrayList<>()).add(s.e().t());
        } else if (s.node() == null && s.e().pid() > 0 && !s.e().proc().equals("kernel")
            && hidden.contains(key(null, s.e().pid()))) {
          times.computeIfAbsent("", k -> new ArrayList<>()).add(s.e().t());
        }
      }
      counts.forEach((n, c) -> summaries.add(new Summary(n.isEmpty() ? null : n, c[0], c[1],
          times.getOrDefault(n, List.of()))));
      // every process not drawn stays reachable: in blocks of BLOCK by node and pid (lanes is in that order)
      List<ProcLane> block = new ArrayList<>();
      for (ProcLane p : lanes) {
        if (shown.contains(p)) {
          continue;
        }
        if (!block.isEmpty() && (block.size() == BLOCK || !Objects.equals(block.get(0).node, p.node))) {
          addBlock(block);
          block = new ArrayList<>();
        }
        block.add(p);
      }
      if (!block.isEmpty()) {
        addBlock(block);
      }
      // the inode lanes of processes not drawn are summarised with them
      inodes.removeIf(l -> l.rows.keySet().stream().allMatch(r -> r.startsWith("lease:")
          && hidden.contains(key(l.node, Integer.parseInt(r.substring(6))))) && !l.rows.isEmpty()
          && l.rows.values().stream().allMatch(r -> r.segments.stream().noneMatch(sg -> sg.state().equals("breaking"))));
    }
    inodes.sort((a, b) -> {
      int n = Integer.compare(nodeIndex(a.node), nodeIndex(b.node));
      return n != 0 ? n : a.path.compareTo(b.path);
    });
    bands.sort((a, b) -> a.t0() != b.t0() ? Long.compare(a.t0(), b.t0()) : Long.compare(a.t1(), b.t1()));
    // the page lists only the events of what is drawn
    events.clear();
    for (ProcLane p : procs) {
      p.calls.forEach(c -> c.evs().forEach(i -> events.put(i, null)));
      p.marks.forEach(k -> events.put(k.ev(), null));
    }
    for (InodeLane l : inodes) {
      for (Row r : l.rows.values()) {
        r.segments.forEach(sg -> events.put(sg.ev(), null));
        r.ticks.forEach(k -> events.put(k.ev(), null));
      }
    }
    bands.forEach(b -> events.put(b.ev(), null));
    scenarioMarks.forEach(k -> events.put(k.ev(), null));
    events.remove(-1);
  }

  private void addBlock(List<ProcLane> l) {
    blocks.add(new Block(l.get(0).node, l.get(0).pid, l.get(l.size() - 1).pid, List.copyOf(l),
        (int) l.stream().filter(p -> p.inBreak).count(), (int) l.stream().filter(p -> p.inRestart).count()));
  }

  int nodeIndex(String node) {
    if (node == null) {
      return 0;
    }
    int i = nodes.indexOf(node);
    return i < 0 ? nodes.size() : i;
  }

  /** The instants where something is drawn (the time axis is made to fit them). */
  TreeSet<Long> instants() {
    TreeSet<Long> t = new TreeSet<>();
    for (ProcLane p : procs) {
      t.add(p.from);
      t.add(p.to);
      for (Call c : p.calls) {
        t.add(c.t0());
        t.add(c.t1());
        if (c.blockAt() >= 0) {
          t.add(c.blockAt());
        }
      }
      p.marks.forEach(m -> t.add(m.t()));
    }
    for (InodeLane l : inodes) {
      for (Row r : l.rows.values()) {
        r.segments.forEach(sg -> {
          t.add(sg.t0());
          t.add(sg.t1());
        });
        r.ticks.forEach(k -> t.add(k.t()));
      }
    }
    bands.forEach(b -> {
      t.add(b.t0());
      t.add(b.t1());
    });
    scenarioMarks.forEach(m -> t.add(m.t()));
    summaries.forEach(s -> t.addAll(s.times()));
    if (t.isEmpty()) {
      t.add(0L);
    }
    return t;
  }

  private static String str(Object o) {
    return o == null ? "?" : String.valueOf(o);
  }

  private static Long num(Object o) {
    return o instanceof Long l ? l : o instanceof Integer i ? Long.valueOf(i) : o instanceof Short h ? Long.valueOf(h)
        : o instanceof String s && s.matches("-?\\d+") ? Long.valueOf(s) : null;
  }
}
