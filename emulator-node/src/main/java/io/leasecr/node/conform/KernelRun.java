package io.leasecr.node.conform;

import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.trace.TraceEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Plays a scenario on the real kernel: one process running native/lcr_proc.c per emulated
 * process, files in a temporary directory, fs.lease-break-time scaled (and always put back), and
 * the emulator's trace format as output, with times converted back to emulated milliseconds.
 */
public final class KernelRun {

  private static final int O_NONBLOCK = 04000;
  private static final int O_TRUNC = 01000;
  private static final int O_PATH = 010000000;
  /** lcr_proc.c keeps its connection and a pipe on fds 100-102: a scenario's fds stay below. */
  private static final int HARNESS_FDS = 90;

  private final Scenario scenario;
  private final TimeScale scale;
  private final Path binary;
  private final List<TraceEvent> events = new ArrayList<>();
  private final Map<String, HelperConnection> byName = new ConcurrentHashMap<>();
  private final Map<Integer, HelperConnection> byRealPid = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<HelperConnection>> arriving = new ConcurrentHashMap<>();
  private final Map<Long, Long> inos = new ConcurrentHashMap<>();
  /** "PROC/SIGNO" to when a kill step's signal had been sent (emulated ms). */
  private final Map<String, Long> killedBy = new ConcurrentHashMap<>();
  private final List<Process> started = new ArrayList<>();
  private Path dir;
  private Path socket;
  private ServerSocketChannel server;
  private volatile long startNanos;
  /** How far the driver has fallen behind the schedule (real ns): later steps are sent that much later. */
  private long behind;
  /** The largest scheduling delay seen in this run (driver sends late, a helper starts a call late), in ns. */
  private final java.util.concurrent.atomic.AtomicLong schedulingDelay = new java.util.concurrent.atomic.AtomicLong();
  private boolean finished;
  private Sysctls sysctls;
  private volatile String disturbed;

  public KernelRun(Scenario scenario, TimeScale scale, Path binary) {
    this.scenario = scenario;
    this.scale = scale;
    this.binary = binary;
  }

  /**
   * Checkpoint and restart steps for real (io.leasecr.node.criu: CRIU). A helper is one real process; those
   * asleep in a call are dumped first (so a holder's dump, which kills it, cannot end their sleep) and
   * restored last (so their retried call meets the restored leases).
   */
  public interface CheckpointDriver {
    /** Dumps (and so kills) these process trees into {@code dir}, each tree alone. */
    void dump(String id, List<Helper> trees, Path dir) throws IOException, InterruptedException;

    /** Restores what {@link #dump} saved; each helper reconnects to {@code socket} ("reattach"). */
    void restore(String id, List<Helper> helpers, Path dir, Path socket) throws IOException, InterruptedException;
  }

  /**
   * A helper process tree as a checkpoint sees it: the root's name and real pid, whether a call of one of them
   * is asleep, and the forked helpers under it (CRIU dumps a tree with its root).
   */
  public record Helper(String name, int realPid, boolean asleep, List<Helper> children) {

    /** This helper and every one under it, the root first. */
    public List<Helper> all() {
      List<Helper> out = new ArrayList<>(List.of(this));
      children.forEach(c -> out.addAll(c.all()));
      return out;
    }
  }

  private CheckpointDriver checkpoints;
  /** The helpers each checkpoint dumped, by checkpoint id. */
  private final Map<String, List<Helper>> dumped = new ConcurrentHashMap<>();

  /** Plays checkpoint and restart steps with this driver (CRIU) instead of refusing them. */
  public KernelRun withCheckpoints(CheckpointDriver driver) {
    this.checkpoints = driver;
    return this;
  }

  /** Why this scenario cannot be played on a real kernel, or null if it can. */
  public static String notRunnable(Scenario s) {
    return notRunnable(s, false);
  }

  /** As {@link #notRunnable(Scenario)}, with checkpoint/restart steps allowed if {@code checkpoints}. */
  public static String notRunnable(Scenario s, boolean checkpoints) {
    for (Step step : s.steps()) {
      if (checkpoints) {
        String why = step.action() instanceof Step.Restart r && r.only() != null && !r.only().isEmpty()
            ? "it restarts only some processes, which CRIU cannot (it restores what it dumped)"
            : step.action() instanceof Step.Restart r2 && (r2.imageFile() != null || r2.fromJournal())
            ? "it restarts from an image file or the journal, which CRIU cannot read"
            : step.action() instanceof Step.Checkpoint c && c.leaveRunning()
            ? "it leaves the tree running after a checkpoint, and the restore needs the dumped pids free"
            : step.action() instanceof Step.Checkpoint c2 && c2.beforeSignal()
            ? "it checkpoints between a break's start and its signal, one instant on the real kernel" : null;
        if (why != null) {
          return why;
        }
        continue;
      }
      if (step.action() instanceof Step.Checkpoint || step.action() instanceof Step.Restart) {
        return "it checkpoints or restarts: Linux has no checkpoint/restart of leases to compare with";
      }
    }
    for (Inode inode : s.vfs().inodes()) {
      if (!inode.leaseSupport()) {
        return inode.path() + " is on a filesystem without lease support, which this machine does not have";
      }
    }
    for (Step step : s.steps()) {
      if (step.action() instanceof Step.Call call && call.syscall() instanceof Syscall.Open o && !o.nonblock()
          && (o.mode() == io.leasecr.core.locks.AccessMode.O_RDONLY || o.mode() == io.leasecr.core.locks.AccessMode.O_WRONLY)
          && s.vfs().inodes().stream().anyMatch(i -> i.path().equals(o.path()) && i.kind() == Inode.Kind.FIFO)) {
        return "step " + step.number() + " (line " + step.line() + ") opens the fifo " + o.path() + " " + o.mode()
            + " without O_NONBLOCK: on Linux that sleeps until the other end opens, which the emulator does not model";
      }
    }
    for (Step step : s.steps()) {
      if (step.action() instanceof Step.Call call && call.syscall() instanceof Syscall.FdOp f
          && f.op() != Syscall.FdOp.Op.F_GETFD && f.op() != Syscall.FdOp.Op.F_SETFD
          && f.arg() >= HARNESS_FDS && f.arg() < Syscall.FdOp.NOFILE) {
        return "step " + step.number() + " (line " + step.line() + ") makes an fd at " + f.arg()
            + " or above: from " + HARNESS_FDS + " up the kernel side's helper keeps its own connection";
      }
    }
    for (Step step : s.steps()) {
      if (step.action() instanceof Step.Call call && call.syscall() instanceof Syscall.Sigwait w
          && (w.set() & Syscall.Sigprocmask.bit(Signals.SIGCHLD)) != 0) {
        return "step " + step.number() + " (line " + step.line() + ") waits for SIGCHLD, which the kernel side's"
            + " helper keeps for itself (it reaps its children with it)";
      }
    }
    for (Scenario.ProcessDecl p : s.processes()) {
      if (p.spec().reactions().stream().anyMatch(r -> r.jitterMs() > 0)) {
        return p.name() + "'s reaction jitter is drawn by the emulator's seeded random";
      }
    }
    return null;
  }

  /**
   * Where a kernel run's wall time went (ns): waiting for the turn on the machine-wide sysctls, setting up
   * (files, helpers, their dispositions and reactions), playing the steps until the horizon (the program's own
   * time), the tail after it (the time tolerance, the scheduling delay measured, collecting the last lines), and
   * the tear-down. The fuzzer sums them into its summary.
   */
  public record Phases(long turnNanos, long setUpNanos, long stepsNanos, long tailNanos, long tearDownNanos) {
    public static final Phases NONE = new Phases(0, 0, 0, 0, 0);

    public Phases plus(Phases o) {
      return new Phases(turnNanos + o.turnNanos, setUpNanos + o.setUpNanos, stepsNanos + o.stepsNanos,
          tailNanos + o.tailNanos, tearDownNanos + o.tearDownNanos);
    }

    public long totalNanos() {
      return turnNanos + setUpNanos + stepsNanos + tailNanos + tearDownNanos;
    }
  }

  private volatile Phases phases = Phases.NONE;
  private long tailStartNanos;

  /** The last {@link #run}'s phases. */
  public Phases phases() {
    return phases;
  }

  /** Plays the scenario until {@code horizonMs} of emulated time (the emulator's last event). */
  public List<TraceEvent> run(long horizonMs) throws IOException, InterruptedException {
    boolean alone = checkpoints != null
        || scenario.steps().stream().anyMatch(st -> st.action() instanceof Step.SetSysctl);
    long asked = System.nanoTime();
    long began = asked;
    long setUp = asked;
    long played = asked;
    tailStartNanos = 0;
    try (Sysctls sysctls = new Sysctls(new Sysctls.Want(scale.realBreakTime(scenario.sysctl("fs.lease-break-time")),
        scenario.sysctl("fs.leases-enable"), alone))) {
      began = System.nanoTime();
      setUp = began;
      played = began;
      try {
        this.sysctls = sysctls;
        setUp(sysctls);
        setUp = System.nanoTime();
        played = setUp;
        play(sysctls, horizonMs);
        played = System.nanoTime();
      } finally {
        long ended = System.nanoTime();
        tearDown();
        long tail = tailStartNanos == 0 ? 0 : played - tailStartNanos;
        phases = new Phases(began - asked, setUp - began, played - setUp - tail, tail, System.nanoTime() - ended);
      }
    }
    synchronized (events) {
      List<TraceEvent> sorted = new ArrayList<>(events);
      sorted.sort(Comparator.comparingLong(TraceEvent::t)); // stable: each process's order is kept
      return sorted;
    }
  }

  // ------------------------------------------------------------------ set-up

  private void setUp(Sysctls sysctls) throws IOException, InterruptedException {
    dir = Files.createTempDirectory("lcr-conform-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Inode inode : scenario.vfs().inodes()) {
      Path real = realPath(inode.path());
      createParents(real);
      if (inode.kind() == Inode.Kind.DIRECTORY) {
        Files.createDirectories(real);
      } else if (inode.kind() == Inode.Kind.FIFO || inode.kind() == Inode.Kind.CHARDEV) {
        // a fifo, or a character device node with /dev/null's numbers (1, 3)
        List<String> mknod = inode.kind() == Inode.Kind.FIFO ? List.of("mknod", "-m", "666", real.toString(), "p")
            : List.of("mknod", "-m", "666", real.toString(), "c", "1", "3");
        Process made = new ProcessBuilder(mknod).redirectErrorStream(true).start();
        String out = new String(made.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (made.waitFor() != 0) {
          throw new IOException("cannot make " + inode.path() + " (" + String.join(" ", mknod) + "): " + out);
        }
      } else {
        Files.createFile(real);
        // the emulator has no permission bits: let every uid open every file
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-rw-rw-"));
      }
      Files.setAttribute(real, "unix:uid", inode.uid());
      inos.put(((Number) Files.getAttribute(real, "unix:ino")).longValue(), inode.ino());
    }
    sysctls.set("fs.lease-break-time", scale.realBreakTime(scenario.sysctl("fs.lease-break-time")));
    sysctls.set("fs.leases-enable", scenario.sysctl("fs.leases-enable"));
    socket = dir.resolve("lcr.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
    Thread acceptor = new Thread(this::acceptLoop, "lcr-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    for (Scenario.ProcessDecl p : scenario.processes()) {
      if (!p.forked()) {
        start(p);
      }
    }
  }

  private void createParents(Path real) throws IOException {
    Path parent = real.getParent();
    Files.createDirectories(parent);
    for (Path p = parent; !p.equals(dir); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private Path realPath(String path) {
    return dir.resolve(path.substring(1));
  }

  private void start(Scenario.ProcessDecl p) throws IOException, InterruptedException {
    CompletableFuture<HelperConnection> hello = expect(p.name());
    // no pipes to this JVM: CRIU cannot dump a pipe whose other end is outside the tree
    Process process = new ProcessBuilder(binary.toString(), socket.toString(), p.name())
        .redirectInput(new java.io.File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(dir.resolve(p.name() + ".err").toFile()).start();
    started.add(process);
    // the process started is the keeper; its child, the scenario's process, says hello, and its death comes
    // from the keeper as a "child" line, like every other death
    HelperConnection c = await(hello, p.name() + " did not connect");
    if (p.spec().cred().fsuid() != 0 || !p.spec().cred().capLease()) {
      setUp(c, "identity " + p.spec().cred().fsuid() + " " + (p.spec().cred().capLease() ? 1 : 0));
    }
    for (Map.Entry<Integer, Disposition> d : p.spec().dispositions().entrySet()) {
      setUp(c, "sigaction " + d.getKey() + " " + mode(d.getValue()));
    }
    for (Reaction r : p.spec().reactions()) {
      setUp(c, "reaction " + r.signo() + " " + r.action().name().toLowerCase() + " "
          + scale.realNanos(r.delayMs()) + " " + r.fd());
    }
  }

  private void setUp(HelperConnection c, String command) throws InterruptedException {
    long[] r = await(c.send(0, command.split(" ")[0], command, null), c.name + " did not answer " + command);
    if (r[1] != 0) {
      throw new IllegalStateException(c.name + ": set-up command '" + command + "' failed");
    }
  }

  private static String mode(Disposition d) {
    return switch (d.kind()) {
      case DEFAULT -> "default";
      case IGNORE -> "ignore";
      case HANDLER -> d.saRestart() ? "restart" : "handler";
    };
  }

  private CompletableFuture<HelperConnection> expect(String name) {
    return arriving.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  private void acceptLoop() {
    try {
      while (true) {
        SocketChannel ch = server.accept();
        BufferedReader in = HelperConnection.reader(ch);
        String[] hello = in.readLine().split(" ");
        if (hello[1].equals("keeper")) {
          keep(in);
          continue;
        }
        String name = hello[2];
        if (hello[1].equals("reattach")) { // back from a CRIU restore
          byName.get(name).reattach(ch, in);
          continue;
        }
        Scenario.ProcessDecl decl = scenario.process(name);
        HelperConnection c = new HelperConnection(ch, in, name, decl.pid(), Integer.parseInt(hello[3]), this);
        byName.put(name, c);
        byRealPid.put(c.realPid, c);
        expect(name).complete(c);
      }
    } catch (IOException | RuntimeException e) {
      // the server socket was closed: the run is over
    }
  }

  /**
   * A keeper's connection (native/lcr_proc.c): the process the JVM started stays behind as a child subreaper
   * and reports the death of every descendant it reaps, the scenario's root process and orphans whose parent
   * died first (whose deaths nobody reported before: emulator fuzz seed 1, program 27).
   */
  private void keep(BufferedReader in) {
    Thread t = new Thread(() -> {
      try {
        String line;
        while ((line = in.readLine()) != null) {
          String[] f = line.split(" ");
          if (f.length == 5 && f[1].equals("child")) {
            childEnded(emulatedTime(Long.parseLong(f[0])), Integer.parseInt(f[2]), f[3], Integer.parseInt(f[4]));
          }
        }
      } catch (IOException | RuntimeException e) {
        // the keeper left (no descendants) or was killed at the tear-down
      }
    }, "lcr-keeper");
    t.setDaemon(true);
    t.start();
  }

  // ------------------------------------------------------------------ the steps

  private void play(Sysctls sysctls, long horizonMs) throws IOException, InterruptedException {
    startNanos = System.nanoTime();
    for (Step step : scenario.steps()) {
      sleepUntil(step.atMs());
      Step.Action action = step.action();
      if (action instanceof Step.Call call) {
        HelperConnection c = byName.get(call.proc());
        CompletableFuture<HelperConnection> coming = arriving.get(call.proc());
        if (c == null && coming != null) {
          try {
            c = coming.get(10, TimeUnit.SECONDS); // forked a moment ago: its connection is on the way
          } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            c = null;
          }
        }
        if (c == null || c.closed().isDone()) {
          emit(new TraceEvent(now(), "note", call.pid(), call.proc(), step.number(), null,
              TraceEvent.args("text", "step skipped: " + call.proc() + " is not running"), null, null));
          continue;
        }
        if (call.syscall() instanceof Syscall.Fork fork) {
          expect(fork.childName());
        }
        int child = call.syscall() instanceof Syscall.Fork f ? f.childPid() : 0;
        String line;
        try {
          line = command(call.syscall());
        } catch (UnsupportedStep e) {
          throw new UnsupportedStep("step " + step.number() + " (line " + step.line() + ", " + step.describe()
              + "): the kernel side cannot run " + e.getMessage());
        }
        c.send(step.number(), call.syscall().name(), line, call.syscall().traceArgs(), child);
        if (call.syscall() instanceof Syscall.Fork fork && !c.busy()) {
          await(expect(fork.childName()), fork.childName() + " did not connect after fork");
        }
      } else if (action instanceof Step.Kill kill) {
        HelperConnection c = byName.get(kill.proc());
        emit(new TraceEvent(now(), "kill", 0, "scenario", step.number(), null, TraceEvent.args(
            "target", kill.proc(), "targetPid", kill.pid(), "signal", Signals.name(kill.signo())), null, null));
        if (c != null) {
          sendSignal(c, kill.signo());
        }
      } else if (action instanceof Step.Checkpoint cp && checkpoints != null) {
        checkpoint(step, cp);
      } else if (action instanceof Step.Restart r && checkpoints != null) {
        restart(step, r);
      } else if (action instanceof Step.SetSysctl sc) {
        emit(new TraceEvent(now(), "sysctl", 0, "scenario", step.number(), null,
            TraceEvent.args("name", sc.name(), "value", sc.value()), null, null));
        sysctls.set(sc.name(), sc.name().equals("fs.lease-break-time") ? scale.realBreakTime(sc.value()) : sc.value());
      } else {
        CallSettle.settle(byName.values());
        emit(new TraceEvent(now(), "locks", 0, "scenario", step.number(), null,
            TraceEvent.args("lines", ProcLocksReader.read(inos, realPids())), null, null));
      }
    }
    tailStartNanos = System.nanoTime();
    sleepUntil(horizonMs + scale.toleranceMs() + scale.emulatedMillis(schedulingDelay.get()));
    quiesce();
    emit(new TraceEvent(now(), "locks", 0, "scenario", 0, null,
        TraceEvent.args("lines", ProcLocksReader.read(inos, realPids())), null, null));
    synchronized (events) {
      finished = true;
    }
  }

  /**
   * A checkpoint on the real kernel: every live helper dumped by the driver (which kills it), those asleep in a
   * call first. The trace gets what the emulator's has for it: nothing (the tree is gone, as after a dump).
   */
  private void checkpoint(Step step, Step.Checkpoint cp) throws IOException, InterruptedException {
    CallSettle.settle(byName.values());
    List<Helper> helpers = new ArrayList<>();
    for (HelperConnection c : byName.values()) {
      if (scenario.process(c.name).parent() == null && live(c)) {
        helpers.add(tree(c));
      }
    }
    helpers.sort(Comparator.comparing((Helper h) -> !h.asleep()).thenComparing(Helper::name));
    for (Helper h : helpers) {
      h.all().forEach(x -> byName.get(x.name()).markCheckpointed());
    }
    long from = System.nanoTime();
    checkpoints.dump(cp.id(), helpers, dir.resolve("criu-" + cp.id()));
    long to = System.nanoTime();
    pauses.add(new long[] {from, to}); // the emulator's checkpoint is an instant: its clock stands still in the dump
    paused += to - from;
    dumped.put(cp.id(), helpers);
  }

  private static boolean live(HelperConnection c) {
    return !c.closed().isDone() && ProcessHandle.of(c.realPid).isPresent();
  }

  /** A live helper with the live helpers forked under it. */
  private Helper tree(HelperConnection c) {
    List<Helper> children = new ArrayList<>();
    for (HelperConnection k : byName.values()) {
      if (c.name.equals(scenario.process(k.name).parent()) && live(k)) {
        children.add(tree(k));
      }
    }
    children.sort(Comparator.comparing(Helper::name));
    boolean asleep = c.busy() || children.stream().anyMatch(Helper::asleep);
    return new Helper(c.name, c.realPid, asleep, children);
  }

  /**
   * A restart on the real kernel: the driver restores what the checkpoint dumped, asleep ones last. The time
   * the restore took beyond the step's instant is taken out of the schedule (the run's clock moves on by it),
   * so what follows the restore is compared with what follows the emulator's restart at that instant.
   */
  private void restart(Step step, Step.Restart r) throws IOException, InterruptedException {
    List<Helper> helpers = dumped.get(r.id());
    if (helpers == null) {
      throw new UnsupportedStep("step " + step.number() + " (line " + step.line() + "): restart " + r.id()
          + " of a checkpoint this run did not take");
    }
    List<Helper> order = new ArrayList<>(helpers);
    java.util.Collections.reverse(order);
    long from = System.nanoTime();
    checkpoints.restore(r.id(), order, dir.resolve("criu-" + r.id()), socket);
    long to = System.nanoTime();
    pauses.add(new long[] {from, to}); // the restore's own time: the run's emulated clock stands still in it
    paused += to - from;
  }

  /** The real intervals dumps and restores took (CLOCK_MONOTONIC ns, from and to): emulated time stands in them. */
  private final List<long[]> pauses = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Their total (ns): the schedule after a dump or a restore moves on by it. */
  private volatile long paused;

  /**
   * Before the run ends, every call sent must have returned or be asleep in the kernel, and no line may be
   * on its way: a loaded machine once lost a run's last two returns, read after the final /proc/locks.
   * Waits (up to 5 s) until helpers are settled and no event has come for 50 ms.
   */
  private void quiesce() throws InterruptedException {
    long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < limit) {
      CallSettle.settle(byName.values());
      int seen;
      synchronized (events) {
        seen = events.size();
      }
      TimeUnit.MILLISECONDS.sleep(50);
      synchronized (events) {
        if (events.size() != seen) {
          continue;
        }
      }
      if (byName.values().stream().allMatch(c -> c.closed().isDone() || !c.busy() || CallSettle.inCall(c.realPid))) {
        return;
      }
    }
  }

  /** How late something ran that was due at a time: the run's scheduling delay is the largest of these. */
  void scheduledLate(long nanos) {
    schedulingDelay.accumulateAndGet(nanos, Math::max);
  }

  /** Null, or how someone else changed the machine-wide sysctls during the run (then it compares nothing). */
  public String disturbed() {
    return disturbed;
  }

  /** How far the schedule has been shifted by a late driver so far (real ns): a step sent now is that late. */
  long behindNanos() {
    return behind;
  }

  /** The largest scheduling delay measured during the run (driver and helpers), in real ns. */
  public long schedulingDelayNanos() {
    return schedulingDelay.get();
  }

  /** A real pid as the scenario's pid (-1 if it is none of the run's processes). */
  int emulatedPid(int realPid) {
    HelperConnection c = byRealPid.get(realPid);
    return c == null ? -1 : c.pid;
  }

  private Map<Integer, Integer> realPids() {
    Map<Integer, Integer> m = new ConcurrentHashMap<>();
    byRealPid.forEach((real, c) -> m.put(real, c.pid));
    return m;
  }

  private String command(Syscall call) {
    if (call instanceof Syscall.Open o) {
      int flags = switch (o.mode()) {
        case O_RDONLY -> 0;
        case O_WRONLY -> 1;
        case O_RDWR -> 2;
        case O_PATH -> O_PATH;
      };
      flags |= (o.nonblock() ? O_NONBLOCK : 0) | (o.trunc() ? O_TRUNC : 0) | (o.cloexec() ? Syscall.FdOp.O_CLOEXEC : 0);
      return "open " + realPath(o.path()) + " " + flags;
    } else if (call instanceof Syscall.Close c) {
      return "close " + c.fd();
    } else if (call instanceof Syscall.Dup d) {
      return "dup " + d.fd();
    } else if (call instanceof Syscall.Truncate t) {
      return "truncate " + realPath(t.path());
    } else if (call instanceof Syscall.Ftruncate f) {
      return "ftruncate " + f.fd();
    } else if (call instanceof Syscall.Fcntl f) {
      return switch (f.cmd()) {
        case F_SETLEASE -> "setlease " + f.fd() + " " + f.arg();
        case F_GETLEASE -> "getlease " + f.fd();
        case F_SETSIG -> "setsig " + f.fd() + " " + f.arg();
      };
    } else if (call instanceof Syscall.RecordLock r) {
      int cmd = switch (r.cmd()) {
        case F_GETLK -> 5;
        case F_SETLK -> 6;
        case F_SETLKW -> 7;
        case F_OFD_GETLK -> 36;
        case F_OFD_SETLK -> 37;
        case F_OFD_SETLKW -> 38;
      };
      return "setlk " + r.fd() + " " + cmd + " " + r.type() + " " + r.start() + " " + r.len()
          + (r.lPid() != 0 ? " " + r.lPid() : "");
    } else if (call instanceof Syscall.Flock f) {
      return "flock " + f.fd() + " " + f.op();
    } else if (call instanceof Syscall.FdOp f) {
      return switch (f.op()) {
        case DUP2 -> "dup2 " + f.fd() + " " + f.arg();
        case DUP3 -> "dup3 " + f.fd() + " " + f.arg() + " " + f.flags();
        case F_DUPFD -> "fdcntl " + f.fd() + " 0 " + f.arg();
        case F_GETFD -> "fdcntl " + f.fd() + " 1 0";
        case F_SETFD -> "fdcntl " + f.fd() + " 2 " + f.arg();
        case F_DUPFD_CLOEXEC -> "fdcntl " + f.fd() + " 1030 " + f.arg();
      };
    } else if (call instanceof Syscall.Execve) {
      return "execve";
    } else if (call instanceof Syscall.Fork f) {
      return "fork " + f.childName();
    } else if (call instanceof Syscall.Sigaction s) {
      return "sigaction " + s.signo() + " " + mode(s.disposition());
    } else if (call instanceof Syscall.Sigprocmask m) {
      return "sigprocmask " + m.how().ordinal() + " " + Long.toUnsignedString(m.set());
    } else if (call instanceof Syscall.Sigwait w) {
      return "sigwait " + Long.toUnsignedString(w.set()) + " " + (w.timeoutMs() < 0 ? -1 : scale.realNanos(w.timeoutMs()));
    }
    if (call instanceof Syscall.Exit e) {
      return "exit " + e.status();
    }
    throw new UnsupportedStep(call.name());
  }

  /** A step the kernel side has no command for: the run stops and says which step. */
  public static final class UnsupportedStep extends IllegalStateException {
    public UnsupportedStep(String what) {
      super(what);
    }
  }

  // ------------------------------------------------------------------ what the connections call

  void emit(TraceEvent e) {
    synchronized (events) {
      if (!finished) { // the tear-down's kills are not part of the scenario
        events.add(e);
      }
    }
  }

  long now() {
    return emulatedTime(System.nanoTime());
  }

  /** CLOCK_MONOTONIC nanoseconds (Java's nanoTime on Linux) to emulated milliseconds since the start. */
  long emulatedTime(long monotonicNanos) {
    long shift = 0;
    for (long[] r : pauses) {
      if (monotonicNanos >= r[1]) {
        shift += r[1] - r[0];
      } else if (monotonicNanos >= r[0]) {
        monotonicNanos = r[0]; // during a dump or a restore: at its step's instant
      }
    }
    return startNanos == 0 ? 0 : Math.max(0, scale.emulatedMillis(monotonicNanos - shift - startNanos));
  }

  String reactionSignal(String proc, String action) {
    Scenario.ProcessDecl p = scenario.process(proc);
    for (Scenario.ProcessDecl d = p; d != null; d = d.parent() == null ? null : scenario.process(d.parent())) {
      for (Reaction r : d.spec().reactions()) {
        if (r.action().name().equalsIgnoreCase(action)) {
          return Signals.name(r.signo());
        }
      }
    }
    return "?";
  }

  /** A parent reaped a child: deaths by signal are reported here (exits by status, by the child). */
  void childEnded(long t, int realPid, String how, int value) {
    HelperConnection c = byRealPid.get(realPid);
    // a CRIU dump kills what it dumped: the keeper's report of that death is no death of the scenario's
    if (c != null && how.equals("signal") && !c.exitReported() && !c.checkpointed()) {
      c.markExitReported();
      emit(new TraceEvent(deathTime(c.name, value, t), "exit", c.pid, c.name, 0, null,
          TraceEvent.args("signal", Signals.name(value)), null, null));
    }
  }

  /**
   * A kill step: SIGTERM and SIGKILL straight from this JVM (kill(2) through ProcessHandle), any other signal
   * through kill(1), whose start-up under load is measured as scheduling delay, on top of the schedule's shift. The time kill(2) had been made
   * by is kept: a process that dies of that signal died by then, however late its death is noticed.
   */
  private void sendSignal(HelperConnection c, int signo) throws IOException, InterruptedException {
    boolean atOnce = killsAtOnce(c.realPid, signo);
    long before = System.nanoTime();
    if (signo == 9 || signo == 15) {
      ProcessHandle.of(c.realPid).ifPresent(h -> {
        if (signo == 9) {
          h.destroyForcibly();
        } else {
          h.destroy();
        }
      });
    } else {
      new ProcessBuilder("kill", "-s", Signals.name(signo).substring(3), String.valueOf(c.realPid)).start().waitFor();
    }
    long after = System.nanoTime();
    // the signal goes as late as the shifted schedule plus kill's own time: both, not the larger one
    scheduledLate(behind + after - before);
    if (atOnce) {
      killedBy.put(c.name + "/" + signo, emulatedTime(after));
    } else { // a death by this signal comes from a later delivery (a kill, F_SETSIG's break, an unblock)
      killedBy.remove(c.name + "/" + signo);
    }
  }

  /** rt_sigtimedwait's number where it is known; elsewhere -1 (a wait is not recognised). */
  private static final int RT_SIGTIMEDWAIT = switch (System.getProperty("os.arch")) {
    case "amd64", "x86_64" -> 128;
    case "aarch64" -> 137;
    default -> -1;
  };

  /** {@link #killsAtOnce(String, String, int)} of the process as it is now; true if it cannot be read (gone). */
  private static boolean killsAtOnce(int realPid, int signo) {
    try {
      Path proc = Path.of("/proc", String.valueOf(realPid));
      return killsAtOnce(Files.readString(proc.resolve("status")), Files.readString(proc.resolve("syscall")), signo);
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /**
   * Whether {@code signo}, sent to a process whose /proc/PID/status and /proc/PID/syscall read so, kills it at
   * once: its default action terminates and its main thread neither catches, ignores nor blocks it (SigCgt,
   * SigIgn, SigBlk; the helper's reaction thread blocks every signal). Otherwise a death by this signal comes from
   * a later delivery of it (a handled kill, then an execve that resets the handler, then a lease break's
   * F_SETSIG signal: emulator fuzz --seed 424242, program 123515). Inside sigtimedwait the kernel takes the waited
   * signals out of SigBlk for the wait (the mask before it, real_blocked, decides whether one kills or is taken
   * by the wait, and /proc does not show it): not known, so not at once either (the death is then dated when
   * noticed: later than the truth at worst, never earlier).
   */
  static boolean killsAtOnce(String status, String syscall, int signo) {
    if (signo == Signals.SIGKILL) {
      return true;
    }
    if (!Signals.defaultTerminates(signo)) {
      return false;
    }
    String nr = syscall.trim().split(" ")[0];
    if (RT_SIGTIMEDWAIT >= 0 && nr.equals(String.valueOf(RT_SIGTIMEDWAIT))) {
      return false;
    }
    long bit = 1L << (signo - 1);
    for (String line : status.split("\n")) {
      String[] kv = line.split(":\\s*", 2);
      if (kv.length == 2 && (kv[0].equals("SigBlk") || kv[0].equals("SigIgn") || kv[0].equals("SigCgt"))
          && (Long.parseUnsignedLong(kv[1].trim(), 16) & bit) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * When a process that died of {@code signo} died: when it was noticed, or the kill step's kill(2) if earlier and
   * that kill was a delivery that kills at once ({@link #killsAtOnce(String, String, int)}).
   */
  private long deathTime(String proc, int signo, long noticed) {
    Long killed = killedBy.get(proc + "/" + signo);
    return killed == null ? noticed : Math.min(killed, noticed);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sleeps until a step's time, then until every call sent before has been taken by its process. A driver that wakes late shifts the rest of the schedule by as much (and the
   * whole shift counts as scheduling delay): steps keep their spacing, so a late step cannot bunch up with
   * the next ones and see the kernel before what the late one caused has happened.
   */
  private void sleepUntil(long emulatedMs) throws InterruptedException {
    long due = startNanos + scale.realNanos(emulatedMs) + behind + paused;
    long wait = due - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
    // in order: what earlier steps sent has been taken by its process (returned or asleep in the kernel)
    // before the next step goes, as the emulator settles each step before the next; waiting is lateness
    CallSettle.settle(byName.values());
    if (disturbed == null && sysctls != null) {
      disturbed = sysctls.disturbed();
    }
    long late = System.nanoTime() - due;
    if (late > 0) {
      behind += late;
    }
    scheduledLate(behind);
  }

  private static <T> T await(CompletableFuture<T> f, String what) throws InterruptedException {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + " (" + e + ")", e);
    }
  }

  private void tearDown() throws IOException {
    for (HelperConnection c : byName.values()) {
      ProcessHandle.of(c.realPid).ifPresent(ProcessHandle::destroyForcibly);
      c.close();
    }
    for (Process p : started) {
      p.destroyForcibly();
    }
    if (server != null) {
      server.close();
    }
    if (dir != null) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
