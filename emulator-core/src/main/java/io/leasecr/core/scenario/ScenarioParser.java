package io.leasecr.core.scenario;

import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.FlockLocks;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.process.Syscall;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/** Reads a scenario file (docs/scenario-format.md); every error names the file and the line. */
public final class ScenarioParser {

  private static final Set<String> TOP = Set.of(
      "name", "description", "seed", "sysctl", "files", "processes", "steps", "expect", "end");
  private static final Set<String> SYSCTLS = Set.of("fs.lease-break-time", "fs.leases-enable");
  private static final Set<String> FILE_KEYS = Set.of("path", "uid", "type", "leases");
  private static final Set<String> PROCESS_KEYS = Set.of(
      "name", "pid", "parent", "uid", "cap_lease", "forked", "signals", "on_signal");
  private static final Set<String> REACTION_KEYS = Set.of("signal", "do", "after", "jitter", "fd");
  private static final Set<String> ACTIONS = Set.of(
      "open", "close", "dup", "truncate", "fcntl", "fork", "exit", "sigaction", "kill", "sysctl", "proc_locks",
      "checkpoint", "restart", "flock", "ftruncate", "dup2", "dup3", "execve", "sigprocmask", "sigtimedwait",
      "sigwaitinfo");
  private static final Set<String> STEP_KEYS = Set.of(
      "at", "proc", "open", "close", "dup", "truncate", "fcntl", "fork", "exit", "sigaction", "kill", "sysctl",
      "proc_locks", "checkpoint", "restart", "flags", "fd", "arg", "start", "len", "signal", "action", "value", "image", "policy",
      "only", "mode", "type_guess", "leave_running", "journal", "expect", "before_signal", "flock", "op", "nb", "l_pid", "ftruncate",
      "dup2", "dup3", "newfd", "execve", "sigprocmask", "signals", "sigtimedwait", "sigwaitinfo", "timeout");
  /** The keys each action takes besides 'at' and its own. */
  private static final Map<String, Set<String>> ACTION_KEYS = Map.ofEntries(
      Map.entry("open", Set.of("proc", "flags", "expect")),
      Map.entry("close", Set.of("proc", "expect")),
      Map.entry("dup", Set.of("proc", "expect")),
      Map.entry("truncate", Set.of("proc", "expect")),
      Map.entry("ftruncate", Set.of("proc", "expect")),
      Map.entry("dup2", Set.of("proc", "newfd", "expect")),
      Map.entry("dup3", Set.of("proc", "newfd", "flags", "expect")),
      Map.entry("execve", Set.of("proc", "expect")),
      Map.entry("fcntl", Set.of("proc", "fd", "arg", "start", "len", "l_pid", "expect")),
      Map.entry("flock", Set.of("proc", "op", "nb", "expect")),
      Map.entry("fork", Set.of("proc", "expect")),
      Map.entry("exit", Set.of("proc")),
      Map.entry("sigaction", Set.of("proc", "action", "expect")),
      Map.entry("sigprocmask", Set.of("proc", "signals", "expect")),
      Map.entry("sigtimedwait", Set.of("proc", "timeout", "expect")),
      Map.entry("sigwaitinfo", Set.of("proc", "expect")),
      Map.entry("kill", Set.of("signal")),
      Map.entry("sysctl", Set.of("value")),
      Map.entry("proc_locks", Set.of("expect")),
      Map.entry("checkpoint", Set.of("image", "leave_running", "expect", "before_signal")),
      Map.entry("restart", Set.of("image", "journal", "policy", "mode", "type_guess", "only", "expect")));
  private static final Set<String> STEP_EXPECT_KEYS = Set.of(
      "result", "errno", "blocked", "returns_at", "still_blocked", "locks", "image", "retried", "code", "fd",
      "l_type", "l_whence", "l_start", "l_len", "l_pid");
  private static final Set<String> IMAGE_LEASE_KEYS = Set.of(
      "proc", "path", "type", "target", "type_prev", "break_notified", "remaining");
  private static final Set<String> EVENT_EXPECT_KEYS = Set.of("proc", "signal", "exit", "at", "count", "code", "fd");
  private static final Set<String> SI_CODES = Set.of("POLL_MSG", "SI_KERNEL", "SI_USER");

  private final String file;
  /** The line of {@code end:}, 0 without one. */
  private int endLine;
  private final Set<String> checkpoints = new HashSet<>();

  private ScenarioParser(String file) {
    this.file = file;
  }

  public static Scenario parse(Path path) {
    return parse(path.toString(), YamlNode.readFile(path));
  }

  public static Scenario parse(String fileName, String text) {
    return new ScenarioParser(fileName).parseText(text);
  }

  /**
   * A scenario from a document already read (the drill parser hands over its tree with the drill keys
   * taken out); errors name the document's file and lines.
   */
  public static Scenario parse(YamlNode doc) {
    return new ScenarioParser(doc.file()).parseDoc(doc);
  }

  private Scenario parseText(String text) {
    Scenario scenario = parseDoc(YamlNode.load(file, text, "the scenario"));
    // a scenario run stops at end: a step after it would never run, and the run would wait for it (a drill, parsed
    // from its own document, plays in real time and stops at its end whatever comes later)
    for (Step st : scenario.steps()) {
      if (scenario.endMs() > 0 && st.atMs() > scenario.endMs()) {
        throw new ScenarioException(file, st.line(), "step " + st.number() + " is at " + st.atMs()
            + " ms, after end (" + scenario.endMs() + " ms, line " + endLine + "): it would never run");
      }
    }
    return scenario;
  }

  private Scenario parseDoc(YamlNode doc) {
    Node root = doc.node;
    Map<String, YamlNode> top = doc.map(TOP);
    YamlNode nameNode = required(top, "name", root);
    long seed = top.containsKey("seed") ? top.get("seed").integer() : 1;
    Map<String, Long> sysctls = sysctls(top.get("sysctl"));
    Vfs vfs = files(required(top, "files", root));
    Processes procs = processes(required(top, "processes", root), seed);
    List<Step> steps = steps(required(top, "steps", root), procs);
    List<EventExpectation> expectations = new ArrayList<>();
    if (top.containsKey("expect")) {
      for (YamlNode e : top.get("expect").list()) {
        expectations.add(eventExpectation(e, procs));
      }
    }
    long end = top.containsKey("end") ? top.get("end").millis() : 0;
    endLine = top.containsKey("end") ? top.get("end").line() : 0;
    String description = top.containsKey("description") ? top.get("description").text() : "";
    return new Scenario(file, nameNode.name(), description, seed, sysctls, vfs, procs.decls, steps,
        List.copyOf(expectations), end);
  }

  private YamlNode required(Map<String, YamlNode> m, String key, Node parent) {
    YamlNode n = m.get(key);
    if (n == null) {
      throw new YamlNode(file, parent, "").error("missing required key " + YamlNode.quote(key));
    }
    return n;
  }

  private Map<String, Long> sysctls(YamlNode node) {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("fs.lease-break-time", 45L);
    out.put("fs.leases-enable", 1L);
    if (node != null) {
      node.map(SYSCTLS).forEach((k, v) -> out.put(k, sysctlValue(v)));
    }
    return out;
  }

  /**
   * A sysctl value: an int, as the kernel's proc_dointvec reads it (fs.lease-break-time <= 0 means a
   * break has no deadline, as in fs/locks.c); INT_MAX seconds (68 years) from any emulated instant still
   * fits the emulated clock.
   */
  static long sysctlValue(YamlNode v) {
    return v.intValue();
  }

  /** The highest pid Linux hands out (PID_MAX_LIMIT, 2^22). */
  static final int PID_MAX = 4_194_304;

  private Vfs files(YamlNode node) {
    Vfs.Builder b = Vfs.builder();
    Set<String> seen = new HashSet<>();
    for (YamlNode f : node.list()) {
      Map<String, YamlNode> m = f.map(FILE_KEYS);
      YamlNode pathNode = required(m, "path", f.node);
      String path = pathNode.text();
      if (!path.startsWith("/") || path.equals("/") || path.endsWith("/") || path.contains("//")
          || path.contains("/./") || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")) {
        throw pathNode.error("file path must be absolute and normalised (no '.', '..', '//' or trailing '/'), got '"
            + path + "'");
      }
      if (!seen.add(path)) {
        throw pathNode.error("file " + path + " is declared twice");
      }
      Inode.Kind kind = Inode.Kind.REGULAR;
      if (m.containsKey("type")) {
        String t = m.get("type").text().toUpperCase(Locale.ROOT);
        try {
          kind = Inode.Kind.valueOf(t);
        } catch (IllegalArgumentException e) {
          throw m.get("type").error("file type must be regular, directory, fifo or chardev, got " + YamlNode.quote(t.toLowerCase()));
        }
      }
      int uid = m.containsKey("uid") ? m.get("uid").intValue() : 0;
      boolean leases = !m.containsKey("leases") || m.get("leases").bool();
      b.file(path, uid, kind, leases);
    }
    return b.build();
  }

  /** The declared processes, by name, with the lines they were declared on. */
  private record Processes(List<Scenario.ProcessDecl> decls, Map<String, Scenario.ProcessDecl> byName) {}

  private Processes processes(YamlNode node, long seed) {
    List<Scenario.ProcessDecl> decls = new ArrayList<>();
    Map<String, Scenario.ProcessDecl> byName = new HashMap<>();
    Set<Integer> pids = new HashSet<>();
    List<YamlNode> items = node.list();
    Map<String, YamlNode> parents = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      YamlNode p = items.get(i);
      Map<String, YamlNode> m = p.map(PROCESS_KEYS);
      String name = required(m, "name", p.node).name();
      if (byName.containsKey(name)) {
        throw m.get("name").error("process " + name + " is declared twice");
      }
      int pid = m.containsKey("pid") ? m.get("pid").intValue(Integer.MIN_VALUE, PID_MAX) : 100 + i;
      if (pid <= 1 || !pids.add(pid)) {
        throw (m.containsKey("pid") ? m.get("pid") : p).error("pid " + pid + " is invalid or already used");
      }
      int uid = m.containsKey("uid") ? m.get("uid").intValue() : 0;
      boolean cap = m.containsKey("cap_lease") ? m.get("cap_lease").bool() : uid == 0;
      Map<Integer, Disposition> dispositions = m.containsKey("signals") ? dispositions(m.get("signals")) : Map.of();
      List<Reaction> reactions = new ArrayList<>();
      if (m.containsKey("on_signal")) {
        for (YamlNode r : m.get("on_signal").list()) {
          reactions.add(reaction(r));
        }
      }
      boolean forked = m.containsKey("forked") && m.get("forked").bool();
      if (forked) {
        for (String inherited : List.of("signals", "on_signal", "uid", "cap_lease")) {
          if (m.containsKey(inherited)) {
            throw m.get(inherited).error("a forked process inherits '" + inherited
                + "' from its parent; change dispositions after the fork with a sigaction step");
          }
        }
      }
      String parent = m.containsKey("parent") ? m.get("parent").text() : null;
      if (parent != null) {
        parents.put(name, m.get("parent"));
      }
      ProcessSpec spec = new ProcessSpec(pid, 1, name, new Credentials(uid, cap), dispositions, reactions, seed);
      Scenario.ProcessDecl decl = new Scenario.ProcessDecl(spec, parent, forked, p.line());
      decls.add(decl);
      byName.put(name, decl);
    }
    for (Map.Entry<String, YamlNode> e : parents.entrySet()) {
      Scenario.ProcessDecl parent = byName.get(e.getValue().text());
      if (parent == null) {
        throw e.getValue().error("parent " + YamlNode.quote(e.getValue().text()) + " is not a declared process");
      }
      // a process tree has no cycle: follow the parents up from this process
      String up = e.getValue().text();
      for (int hops = 0; up != null && hops <= parents.size(); hops++) { // a cycle above it is its members' to name
        if (up.equals(e.getKey())) {
          throw e.getValue().error("parent " + YamlNode.quote(e.getValue().text()) + " makes " + YamlNode.quote(e.getKey())
              + " its own ancestor (a process tree has no cycle)");
        }
        YamlNode next = parents.get(up);
        up = next == null ? null : next.text();
      }
      Scenario.ProcessDecl child = byName.get(e.getKey());
      ProcessSpec s = child.spec();
      Scenario.ProcessDecl fixed = new Scenario.ProcessDecl(new ProcessSpec(s.pid(), parent.pid(), s.name(),
          s.cred(), s.dispositions(), s.reactions(), s.seed()), child.parent(), child.forked(), child.line());
      decls.set(decls.indexOf(child), fixed);
      byName.put(e.getKey(), fixed);
    }
    return new Processes(List.copyOf(decls), byName);
  }

  private Map<Integer, Disposition> dispositions(YamlNode node) {
    Map<Integer, Disposition> out = new HashMap<>();
    for (Map.Entry<String, YamlNode> e : node.map(null).entrySet()) {
      int signo = signal(e.getValue(), e.getKey());
      if (!Signals.catchable(signo)) {
        throw e.getValue().error(Signals.name(signo) + " cannot be caught or ignored");
      }
      out.put(signo, disposition(e.getValue()));
    }
    return out;
  }

  private Disposition disposition(YamlNode node) {
    return switch (node.text()) {
      case "default" -> Disposition.DEFAULT;
      case "ignore" -> Disposition.IGNORE;
      case "handler" -> Disposition.HANDLER;
      case "handler+restart" -> Disposition.HANDLER_RESTART;
      default -> throw node.error(
          "signal disposition must be default, ignore, handler or handler+restart, got " + YamlNode.quote(node.text()));
    };
  }

  private Reaction reaction(YamlNode node) {
    Map<String, YamlNode> m = node.map(REACTION_KEYS);
    YamlNode sig = required(m, "signal", node.node);
    int signo = signal(sig, sig.text());
    if (!Signals.catchable(signo)) {
      throw sig.error(Signals.name(signo) + " cannot be caught: a reaction to it would never run");
    }
    YamlNode what = required(m, "do", node.node);
    Reaction.Action action;
    try {
      action = Reaction.Action.valueOf(what.text().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw what.error("reaction must be release, downgrade, close or nothing, got " + YamlNode.quote(what.text()));
    }
    long after = m.containsKey("after") ? m.get("after").millis() : 0;
    long jitter = m.containsKey("jitter") ? m.get("jitter").millis() : 0;
    if (after < 0 || jitter < 0) {
      throw node.error("reaction delays must not be negative");
    }
    int fd = m.containsKey("fd") ? m.get("fd").intValue() : -1;
    return new Reaction(signo, action, after, jitter, fd);
  }

  private int signal(YamlNode where, String text) {
    int signo = Signals.parse(text);
    if (signo < 1 || signo > Signals.SIGRTMAX) {
      throw where.error("unknown signal " + YamlNode.quote(text));
    }
    return signo;
  }

  private List<Step> steps(YamlNode node, Processes procs) {
    List<Step> steps = new ArrayList<>();
    Set<String> forkedChildren = new HashSet<>();
    checkpoints.clear();
    int n = 0;
    long lastAt = 0;
    for (YamlNode s : node.list()) {
      n++;
      Map<String, YamlNode> m = s.map(STEP_KEYS);
      long at = required(m, "at", s.node).millis();
      if (at < lastAt) {
        throw m.get("at").error("step " + n + " is at " + at + " ms, before the step above it (" + lastAt
            + " ms): steps must be in time order");
      }
      lastAt = at;
      List<String> actions = m.keySet().stream().filter(ACTIONS::contains).toList();
      if (actions.size() != 1) {
        throw s.error("step " + n + " must have exactly one action (" + String.join(", ", ACTIONS.stream().sorted().toList())
            + "), found " + (actions.isEmpty() ? "none" : String.join(", ", actions)));
      }
      String verb = actions.get(0);
      for (String key : m.keySet()) {
        if (!key.equals("at") && !key.equals(verb) && !ACTION_KEYS.get(verb).contains(key)) {
          throw m.get(key).error(YamlNode.quote(key) + " does not go with " + verb + " (it takes: "
              + String.join(", ", ACTION_KEYS.get(verb).stream().sorted().toList()) + ")");
        }
      }
      Step.Action action = action(verb, m, s, procs, forkedChildren);
      for (String only : List.of("image", "retried")) {
        YamlNode x = expectMap(m, only);
        if (x != null && !verb.equals(only.equals("image") ? "checkpoint" : "restart")) {
          throw x.error("'" + only + "' expects what a " + (only.equals("image") ? "checkpoint" : "restart")
              + " step does, not a " + verb + " step");
        }
      }
      StepExpectation expect = m.containsKey("expect") ? stepExpectation(m.get("expect")) : StepExpectation.NONE;
      steps.add(new Step(n, s.line(), at, action, expect));
    }
    return List.copyOf(steps);
  }

  private Step.Action action(String verb, Map<String, YamlNode> m, YamlNode s, Processes procs,
      Set<String> forkedChildren) {
    YamlNode arg = m.get(verb);
    switch (verb) {
      case "kill" -> {
        Scenario.ProcessDecl target = process(arg, procs);
        int signo = m.containsKey("signal") ? signal(m.get("signal"), m.get("signal").text()) : Signals.SIGTERM;
        return new Step.Kill(target.name(), target.pid(), signo);
      }
      case "sysctl" -> {
        String name = arg.text();
        if (!SYSCTLS.contains(name)) {
          throw arg.error("unknown sysctl " + YamlNode.quote(name) + " (known: " + String.join(", ", SYSCTLS.stream().sorted().toList()) + ")");
        }
        return new Step.SetSysctl(name, sysctlValue(required(m, "value", s.node)));
      }
      case "proc_locks" -> {
        return new Step.ShowLocks();
      }
      case "checkpoint" -> {
        if (!checkpoints.add(arg.name())) {
          throw arg.error("checkpoint id " + YamlNode.quote(arg.text()) + " is used twice");
        }
        return new Step.Checkpoint(arg.text(), m.containsKey("image") ? m.get("image").text() : null,
            m.containsKey("leave_running") && m.get("leave_running").bool(), imageExpectations(m, procs),
            m.containsKey("before_signal") && m.get("before_signal").bool());
      }
      case "restart" -> {
        return restart(arg, m, procs);
      }
      default -> {
        Scenario.ProcessDecl proc = process(required(m, "proc", s.node), procs);
        return new Step.Call(proc.name(), proc.pid(), syscall(verb, arg, m, s, procs, forkedChildren));
      }
    }
  }

  private Step.Action restart(YamlNode arg, Map<String, YamlNode> m, Processes procs) {
    String image = m.containsKey("image") ? m.get("image").text() : null;
    String id = arg.name();
    boolean fromJournal = m.containsKey("journal") && m.get("journal").bool();
    if (image == null && !fromJournal && !checkpoints.contains(id)) {
      throw arg.error("restart of " + YamlNode.quote(id) + ": no checkpoint step with that id above (give 'image: FILE', or"
          + " 'journal: true' for a checkpoint committed by an earlier run)");
    }
    String policy = m.containsKey("policy") ? m.get("policy").text() : "remaining";
    try {
      io.leasecr.core.locks.RestartPolicy.parse(policy);
    } catch (IllegalArgumentException e) {
      throw m.get("policy").error(e.getMessage());
    }
    io.leasecr.core.locks.RestartMode mode = io.leasecr.core.locks.RestartMode.SEED;
    if (m.containsKey("mode")) {
      try {
        mode = io.leasecr.core.locks.RestartMode.parse(m.get("mode").text());
      } catch (IllegalArgumentException e) {
        throw m.get("mode").error(e.getMessage());
      }
    }
    io.leasecr.core.locks.CriuTypeGuess typeGuess = null;
    if (m.containsKey("type_guess")) {
      try {
        typeGuess = io.leasecr.core.locks.CriuTypeGuess.parse(m.get("type_guess").text());
      } catch (IllegalArgumentException e) {
        throw m.get("type_guess").error(e.getMessage());
      }
    }
    List<String> only = null;
    if (m.containsKey("only")) {
      only = new ArrayList<>();
      for (YamlNode p : m.get("only").list()) {
        only.add(process(p, procs).name());
      }
    }
    List<String> retried = null;
    YamlNode x = expectMap(m, "retried");
    if (x != null) {
      retried = new ArrayList<>();
      for (YamlNode p : x.list()) {
        retried.add(process(p, procs).name());
      }
    }
    return new Step.Restart(image != null && !checkpoints.contains(id) ? null : id, image, policy, mode, only,
        fromJournal, retried, typeGuess);
  }

  /** {@code expect: {KEY: ...}} of a checkpoint or restart step, or null. */
  private static YamlNode expectMap(Map<String, YamlNode> m, String key) {
    YamlNode e = m.get("expect");
    if (e == null || e.isScalar()) {
      return null;
    }
    return e.map(STEP_EXPECT_KEYS).get(key);
  }

  /** A checkpoint's {@code expect: {image: [{proc, path, type, target, type_prev, break_notified, remaining}]}}. */
  private List<CrExpectation.ImageLease> imageExpectations(Map<String, YamlNode> m, Processes procs) {
    YamlNode x = expectMap(m, "image");
    if (x == null) {
      return null;
    }
    List<CrExpectation.ImageLease> out = new ArrayList<>();
    for (YamlNode n : x.list()) {
      Map<String, YamlNode> l = n.map(IMAGE_LEASE_KEYS);
      Scenario.ProcessDecl p = process(required(l, "proc", n.node), procs);
      String prev = l.containsKey("type_prev") ? l.get("type_prev").text() : null;
      Long remaining = null;
      if (l.containsKey("remaining")) {
        remaining = l.get("remaining").text().equals("none") ? -1L : l.get("remaining").millis();
      }
      out.add(new CrExpectation.ImageLease(n.line(), p.name(), p.pid(),
          l.containsKey("path") ? l.get("path").text() : null, leaseType(l.get("type")), leaseType(l.get("target")),
          prev == null || prev.equals("none") ? null : leaseType(l.get("type_prev")), "none".equals(prev),
          l.containsKey("break_notified") ? l.get("break_notified").bool() : null, remaining));
    }
    return List.copyOf(out);
  }

  private static io.leasecr.core.locks.LeaseType leaseType(YamlNode n) {
    if (n == null) {
      return null;
    }
    for (io.leasecr.core.locks.LeaseType t : io.leasecr.core.locks.LeaseType.values()) {
      if (t.name().equals(n.text()) || ("F_" + t.name()).equals(n.text()) || t.procName.equals(n.text())) {
        return t;
      }
    }
    throw n.error("lease type must be F_RDLCK, F_WRLCK or F_UNLCK, got '" + n.text() + "'");
  }

  private Scenario.ProcessDecl process(YamlNode node, Processes procs) {
    Scenario.ProcessDecl p = procs.byName.get(node.text());
    if (p == null) {
      throw node.error("no process named " + YamlNode.quote(node.text()) + " (declared: "
          + String.join(", ", procs.decls.stream().map(Scenario.ProcessDecl::name).toList()) + ")");
    }
    return p;
  }

  private Syscall syscall(String verb, YamlNode arg, Map<String, YamlNode> m, YamlNode s, Processes procs,
      Set<String> forkedChildren) {
    return switch (verb) {
      case "open" -> open(arg, m.get("flags"));
      case "close" -> new Syscall.Close(arg.intValue());
      case "dup" -> new Syscall.Dup(arg.intValue());
      case "truncate" -> new Syscall.Truncate(arg.text());
      case "ftruncate" -> new Syscall.Ftruncate(arg.intValue());
      case "dup2" -> new Syscall.FdOp(Syscall.FdOp.Op.DUP2, arg.intValue(), required(m, "newfd", s.node).intValue(), 0);
      case "dup3" -> new Syscall.FdOp(Syscall.FdOp.Op.DUP3, arg.intValue(), required(m, "newfd", s.node).intValue(),
          m.containsKey("flags") ? dup3Flags(m.get("flags")) : 0);
      case "execve" -> {
        if (!arg.text().equals("true")) {
          throw arg.error("execve takes 'true' (the process executes itself again), got " + YamlNode.quote(arg.text()));
        }
        yield new Syscall.Execve();
      }
      case "exit" -> new Syscall.Exit(arg.intValue());
      case "fcntl" -> fcntl(arg, m, s);
      case "flock" -> flock(arg, m, s);
      case "sigaction" -> new Syscall.Sigaction(signal(arg, arg.text()), disposition(required(m, "action", s.node)));
      case "sigprocmask" -> {
        Syscall.Sigprocmask.How how = switch (arg.text()) {
          case "block", "SIG_BLOCK" -> Syscall.Sigprocmask.How.SIG_BLOCK;
          case "unblock", "SIG_UNBLOCK" -> Syscall.Sigprocmask.How.SIG_UNBLOCK;
          case "setmask", "SIG_SETMASK" -> Syscall.Sigprocmask.How.SIG_SETMASK;
          default -> throw arg.error("sigprocmask takes block, unblock or setmask, got " + YamlNode.quote(arg.text()));
        };
        yield new Syscall.Sigprocmask(how, signalSet(required(m, "signals", s.node)));
      }
      case "sigtimedwait" -> {
        long timeout = required(m, "timeout", s.node).millis();
        if (timeout < 0) {
          throw m.get("timeout").error("timeout must not be negative");
        }
        yield new Syscall.Sigwait(signalSet(arg), timeout);
      }
      case "sigwaitinfo" -> new Syscall.Sigwait(signalSet(arg), -1);
      case "fork" -> {
        Scenario.ProcessDecl child = process(arg, procs);
        if (!child.forked()) {
          throw arg.error("process " + child.name() + " must be declared with 'forked: true' to be created by fork");
        }
        if (!forkedChildren.add(child.name())) {
          throw arg.error("process " + child.name() + " is forked twice");
        }
        yield new Syscall.Fork(child.pid(), child.name());
      }
      default -> throw arg.error("unknown action " + verb);
    };
  }

  /** A list of signals ([SIGIO, SIGRTMIN+1], or [] for none) as a mask, bit signo-1. */
  private long signalSet(YamlNode node) {
    long set = 0;
    for (YamlNode n : node.isScalar() && node.text().isEmpty() ? List.<YamlNode>of() : node.list()) {
      set |= Syscall.Sigprocmask.bit(signal(n, n.text()));
    }
    return set;
  }

  private Syscall open(YamlNode path, YamlNode flagsNode) {
    AccessMode mode = null;
    boolean nonblock = false;
    boolean trunc = false;
    boolean cloexec = false;
    List<String> flags = new ArrayList<>();
    if (flagsNode != null) {
      if (flagsNode.isScalar()) {
        for (String f : flagsNode.text().split("\\|")) {
          flags.add(f.trim());
        }
      } else {
        for (YamlNode f : flagsNode.list()) {
          flags.add(f.text());
        }
      }
    }
    for (String f : flags) {
      switch (f) {
        case "O_RDONLY", "O_WRONLY", "O_RDWR", "O_PATH" -> {
          if (mode != null) {
            throw flagsNode.error("open flags name two access modes (" + mode + " and " + f + ")");
          }
          mode = AccessMode.valueOf(f);
        }
        case "O_NONBLOCK" -> nonblock = true;
        case "O_TRUNC" -> trunc = true;
        case "O_CLOEXEC" -> cloexec = true;
        default -> throw flagsNode.error("unsupported open flag '" + f
            + "' (supported: O_RDONLY, O_WRONLY, O_RDWR, O_PATH, O_NONBLOCK, O_TRUNC, O_CLOEXEC)");
      }
    }
    return new Syscall.Open(path.text(), mode == null ? AccessMode.O_RDONLY : mode, nonblock, trunc, cloexec);
  }

  /** dup3's flags: O_CLOEXEC, 0, or a number (to see EINVAL). */
  private static int dup3Flags(YamlNode n) {
    return n.text().equals("O_CLOEXEC") ? Syscall.FdOp.O_CLOEXEC : n.intValue();
  }

  private Syscall fcntl(YamlNode cmdNode, Map<String, YamlNode> m, YamlNode s) {
    for (Syscall.FdOp.Op fdCmd : Syscall.FdOp.Op.values()) {
      if (fdCmd.name().equals(cmdNode.text()) && fdCmd.name().startsWith("F_")) {
        int fd = required(m, "fd", s.node).intValue();
        long arg = 0;
        if (fdCmd == Syscall.FdOp.Op.F_SETFD) {
          YamlNode a = required(m, "arg", s.node);
          arg = a.text().equals("FD_CLOEXEC") ? Syscall.FdOp.FD_CLOEXEC : a.integer();
        } else if (fdCmd != Syscall.FdOp.Op.F_GETFD) {
          arg = required(m, "arg", s.node).integer();
        }
        return new Syscall.FdOp(fdCmd, fd, arg, 0);
      }
    }
    for (Syscall.RecordLock.Cmd lockCmd : Syscall.RecordLock.Cmd.values()) {
      if (lockCmd.name().equals(cmdNode.text())) {
        int fd = required(m, "fd", s.node).intValue();
        long type = leaseArg(required(m, "arg", s.node));
        long start = m.containsKey("start") ? m.get("start").integer() : 0;
        long len = m.containsKey("len") ? m.get("len").integer() : 0;
        if (m.containsKey("l_pid") && !lockCmd.ofd()) {
          throw m.get("l_pid").error("l_pid is for F_OFD_SETLK, F_OFD_SETLKW and F_OFD_GETLK only");
        }
        long lPid = m.containsKey("l_pid") ? m.get("l_pid").integer() : 0;
        return new Syscall.RecordLock(fd, lockCmd, type, start, len, lPid);
      }
    }
    Syscall.Fcntl.Cmd cmd;
    try {
      cmd = Syscall.Fcntl.Cmd.valueOf(cmdNode.text());
    } catch (IllegalArgumentException e) {
      throw cmdNode.error("unsupported fcntl command '" + cmdNode.text()
          + "' (supported: F_SETLEASE, F_GETLEASE, F_SETSIG, F_SETLK, F_SETLKW, F_GETLK, F_OFD_SETLK, F_OFD_SETLKW,"
          + " F_OFD_GETLK, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD)");
    }
    int fd = required(m, "fd", s.node).intValue();
    long arg = 0;
    if (cmd == Syscall.Fcntl.Cmd.F_SETLEASE) {
      arg = leaseArg(required(m, "arg", s.node));
    } else if (cmd == Syscall.Fcntl.Cmd.F_SETSIG) {
      YamlNode a = required(m, "arg", s.node);
      arg = a.text().equals("0") ? 0 : signal(a, a.text());
    }
    return new Syscall.Fcntl(fd, cmd, arg);
  }

  /**
   * flock: FD with op: LOCK_SH | LOCK_EX | LOCK_UN (or "LOCK_EX|LOCK_NB", or a number, to exercise EINVAL)
   * and nb: true for LOCK_NB.
   */
  private Syscall flock(YamlNode fdNode, Map<String, YamlNode> m, YamlNode s) {
    YamlNode opNode = required(m, "op", s.node);
    int op = 0;
    for (String part : opNode.text().split("\\|")) {
      String p = part.trim();
      op |= switch (p) {
        case "LOCK_SH" -> FlockLocks.LOCK_SH;
        case "LOCK_EX" -> FlockLocks.LOCK_EX;
        case "LOCK_UN" -> FlockLocks.LOCK_UN;
        case "LOCK_NB" -> FlockLocks.LOCK_NB;
        default -> {
          if (!p.matches("\\d{1,9}")) {
            throw opNode.error("unsupported flock operation '" + p + "' (supported: LOCK_SH, LOCK_EX, LOCK_UN, "
                + "LOCK_NB, or a number)");
          }
          yield Integer.parseInt(p);
        }
      };
    }
    if (m.containsKey("nb") && m.get("nb").bool()) {
      op |= FlockLocks.LOCK_NB;
    }
    return new Syscall.Flock(fdNode.intValue(), op);
  }

  /** F_RDLCK, F_WRLCK, F_UNLCK or any integer (to exercise EINVAL). */
  private static long leaseArg(YamlNode node) {
    for (LeaseType t : LeaseType.values()) {
      if (t.fcntlName().equals(node.text())) {
        return t.value;
      }
    }
    return node.integer();
  }

  private StepExpectation stepExpectation(YamlNode node) {
    if (node.isScalar()) {
      String t = node.text();
      if (t.startsWith("E")) {
        return new StepExpectation(null, errno(node), null, null, null, null);
      }
      if (t.startsWith("SIG")) { // what sigtimedwait returns: the signal's number
        return new StepExpectation((long) signal(node, t), null, null, null, null, null);
      }
      return new StepExpectation(leaseArg(node), null, null, null, null, null);
    }
    Map<String, YamlNode> m = node.map(STEP_EXPECT_KEYS);
    Long result = !m.containsKey("result") ? null : m.get("result").text().startsWith("SIG")
        ? (long) signal(m.get("result"), m.get("result").text()) : leaseArg(m.get("result"));
    Map<String, String> returned = new java.util.LinkedHashMap<>();
    if (m.containsKey("code")) {
      String code = m.get("code").text();
      if (!SI_CODES.contains(code)) {
        throw m.get("code").error("si_code must be one of " + String.join(", ", SI_CODES.stream().sorted().toList())
            + ", got " + YamlNode.quote(code));
      }
      returned.put("code", code);
    }
    if (m.containsKey("fd")) {
      returned.put("fd", String.valueOf(m.get("fd").intValue()));
    }
    if (m.containsKey("l_type")) { // F_GETLK's l_type is its result
      if (result != null) {
        throw m.get("l_type").error("give 'result' or 'l_type', not both (F_GETLK returns l_type)");
      }
      result = leaseArg(m.get("l_type"));
    }
    if (m.containsKey("l_whence")) {
      if (!m.get("l_whence").text().equals("SEEK_SET")) {
        throw m.get("l_whence").error("l_whence: the scenario's locks are SEEK_SET, got "
            + YamlNode.quote(m.get("l_whence").text()));
      }
      returned.put("l_whence", "SEEK_SET");
    }
    for (String k : List.of("l_start", "l_len", "l_pid")) {
      if (m.containsKey(k)) {
        returned.put(k, String.valueOf(m.get(k).integer()));
      }
    }
    Errno errno = m.containsKey("errno") ? errno(m.get("errno")) : null;
    Boolean blocked = m.containsKey("blocked") ? m.get("blocked").bool() : null;
    Long returnsAt = m.containsKey("returns_at") ? m.get("returns_at").millis() : null;
    Boolean still = m.containsKey("still_blocked") ? m.get("still_blocked").bool() : null;
    List<String> locks = null;
    if (m.containsKey("locks")) {
      locks = new ArrayList<>();
      for (YamlNode l : m.get("locks").list()) {
        locks.add(l.text());
      }
    }
    return new StepExpectation(result, errno, blocked, returnsAt, still, locks, Map.copyOf(returned));
  }

  private static Errno errno(YamlNode node) {
    try {
      return Errno.parse(node.text());
    } catch (IllegalArgumentException e) {
      throw node.error("unknown errno " + YamlNode.quote(node.text()));
    }
  }

  private EventExpectation eventExpectation(YamlNode node, Processes procs) {
    Map<String, YamlNode> m = node.map(EVENT_EXPECT_KEYS);
    Scenario.ProcessDecl proc = process(required(m, "proc", node.node), procs);
    Long at = m.containsKey("at") ? m.get("at").millis() : null;
    Integer count = m.containsKey("count") ? m.get("count").intValue(0, Integer.MAX_VALUE) : null;
    if (m.containsKey("signal") == m.containsKey("exit")) {
      throw node.error("an expectation names exactly one of 'signal' or 'exit'");
    }
    if (m.containsKey("signal")) {
      YamlNode s = m.get("signal");
      String code = null;
      if (m.containsKey("code")) {
        code = m.get("code").text();
        if (!SI_CODES.contains(code)) {
          throw m.get("code").error("si_code must be POLL_MSG, SI_KERNEL or SI_USER, got " + YamlNode.quote(code));
        }
      }
      Integer fd = m.containsKey("fd") ? m.get("fd").intValue() : null;
      return new EventExpectation(node.line(), EventExpectation.Kind.SIGNAL, proc.name(), proc.pid(),
          signal(s, s.text()), 0, at, count, code, fd);
    }
    for (String only : List.of("code", "fd")) {
      if (m.containsKey(only)) {
        throw m.get(only).error("'" + only + "' is for signal expectations (si_" + only + "), not exit ones");
      }
    }
    YamlNode e = m.get("exit");
    String t = e.text();
    boolean bySignal = t.startsWith("SIG");
    return new EventExpectation(node.line(), EventExpectation.Kind.EXIT, proc.name(), proc.pid(),
        bySignal ? signal(e, t) : 0, bySignal ? 0 : e.intValue(), at, count);
  }
}
