package io.leasecr.node.drill;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.scenario.Timeline;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.node.drillfile.Drill;
import io.leasecr.node.report.DrillPages;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.cluster.ClusterConfig;
import io.leasecr.node.cluster.EmulatorSharding;
import io.leasecr.node.cluster.NodeSettings;
import io.leasecr.node.journal.JournalClient;
import io.leasecr.proto.image.CheckpointImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;

/**
 * {@code emulator drill FILE}: starts the drill's nodes as JVMs on loopback, joins them as the driver
 * (role "driver": sharding proxies only), plays the steps in real (optionally scaled) time, kills nodes
 * with SIGKILL, measures when the split-brain resolver downs them, starts spare nodes, takes checkpoints
 * as frozen cuts ({@link ClusterCut}), restarts processes from the last committed checkpoint on
 * surviving or new nodes, then prints a timeline per node and checks the invariants.
 */
public final class DrillRunner {

  private final Drill drill;
  private final Path file;
  private final Path out;
  private final int basePort;
  private final PrintStream o;
  private final Map<String, Process> jvms = new LinkedHashMap<>();
  private final Map<String, byte[]> committed = new LinkedHashMap<>();
  private final Map<Integer, Long> restartMs = new HashMap<>();
  /** pid to the node a restart named and when (drill ms) the restart began. */
  private final Map<Integer, String> restartedOn = new HashMap<>();
  private final Map<Integer, Long> restartedAt = new HashMap<>();
  private final List<TraceEvent> driverEvents = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger generatedDone = new java.util.concurrent.atomic.AtomicInteger();
  /** Generated opens sent and not yet answered, at most (see open_generated). */
  private static final int OPENS_IN_FLIGHT = 1000;
  /** Restored pids the driver saw running (ensureRunningAll). */
  private final java.util.Set<Integer> confirmed = new java.util.HashSet<>();
  private long origin;
  /** Wall time and emulated time (the driver's clock, node axis) when the steps began. */
  private long start;
  private long startEmu;
  private io.leasecr.core.time.WallClock clock;
  private ClusterCut cut;
  private EntityCensus census;
  private NodeLosses losses;
  /** How often the nodes' sleeping calls ask again (wall ms): the wake-up after a healed cut comes within it. */
  private long recheckMs;
  /** Whether the nodes remember process entities (they have the driver's journal and settings). */
  private boolean remembering;

  /** Nodes started so far (the initial ones, then spares) and the port of each. */
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  /** Paused nodes to the wall time of their SIGSTOP. */
  private final Map<String, Long> paused = new java.util.concurrent.ConcurrentHashMap<>();
  /** Timed faults' ends (a pause's SIGCONT). */
  private final java.util.concurrent.ScheduledExecutorService timers =
      java.util.concurrent.Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "drill-timers");
        t.setDaemon(true);
        return t;
      });
  /** The driver's guardian: hears each step's call return (progress). */
  private org.apache.pekko.actor.typed.ActorRef<ProcessActor.StepDone> stepDone;

  /** A step that starts this much (emulated ms) after its time is said to be late, with the reason. */
  static final long LATE_MS = 250;

  private final boolean verbose;
  /** What failed during the run, in words (a step, a checkpoint not committed). */
  private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Why the run stopped before its end, or null. */
  private volatile String aborted;
  /** The last step performed (for a late step's reason, and the downing line) and when it ended. */
  private volatile String lastStep;
  private volatile long lastStepEnd;
  private JournalControl journalControl;
  /** Wall ms the journal was stopped at (0: it runs) and the drill time then. */
  private volatile long journalDownSince;
  private volatile long journalDownAt;
  /** Wall ms the clocks were frozen at for a cut (0: they run). */
  private volatile long frozenSince;
  private Membership members;
  /** Nodes whose JVM was seen to exit without a fault step. */
  private final Set<String> exited = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Object journalLock = new Object();
  /** Set once the drill stops its nodes. */
  private volatile boolean ending;
  /** The processes of this run, so that a later drill on the same journal knows whether they are dead. */
  private final DrillRuns runs;
  /** How nodes are started, crashed and paused: JVMs on loopback, or compose services (--attach). */
  private NodeControl nodeControl = NodeControl.local();

  public DrillRunner(Drill drill, Path file, Path out, int basePort, PrintStream o) {
    this(drill, file, out, basePort, o, false);
  }

  /** {@code verbose}: Pekko's INFO lines on the driver's console and in the node logs. */
  public DrillRunner(Drill drill, Path file, Path out, int basePort, PrintStream o, boolean verbose) {
    this.drill = drill;
    this.file = file;
    this.out = out;
    this.basePort = basePort;
    this.o = o;
    this.verbose = verbose;
    String url = io.leasecr.node.config.LeaseCrConfig.load().postgresUrl();
    this.runs = new DrillRuns(url != null ? url : out.toAbsolutePath().resolve("data").toString());
  }

  /** Drives the nodes through {@code control} (e.g. {@link ComposeNodes}) rather than as JVMs of its own. */
  public DrillRunner nodes(NodeControl control) {
    this.nodeControl = control;
    return this;
  }

  /** Whether the last run stopped before its end (ABORTED), rather than ran to a PASS or FAIL. */
  public boolean aborted() {
    return aborted != null;
  }

  /**
   * Runs the drill; true if every invariant held and nothing failed. Whatever goes wrong, it ends with a
   * verdict: the timelines so far, the invariants checked so far and FAIL or ABORTED lines naming the
   * cause in words; exception traces go to {@code OUT/driver.log}, not to the console.
   */
  public boolean run() throws Exception {
    // a driver stopped by a signal (Ctrl-C, a test's time-out) takes its nodes with it
    Thread reaper = new Thread(() -> {
      jvms.values().forEach(Process::destroyForcibly);
      restoreJournal();
    }, "drill-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    Files.createDirectories(out);
    DriverLog.attach(out.resolve("driver.log"), verbose);
    try {
      return play();
    } catch (Exception e) {
      DriverLog.error("the drill stopped", e);
      if (aborted == null) {
        aborted = "the driver failed: " + Words.of(e) + " (details in " + out.resolve("driver.log") + ")";
      }
      o.println("ABORTED: " + aborted);
      return false;
    } finally {
      DriverLog.detach();
      restoreJournal();
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      for (Process p : jvms.values()) {
        p.destroyForcibly(); // whatever went wrong, no node outlives the drill
      }
    }
  }

  private boolean play() throws Exception {
    String busy = busyPort(drill, basePort);
    if (busy != null) {
      aborted = busy;
      o.println("ABORTED: " + busy);
      return false;
    }
    if (hasJournalSteps(drill)) {
      journalControl = JournalControl.from(System.getenv());
    }
    String live = runs.claim();
    if (live != null) {
      aborted = live;
      o.println("ABORTED: " + live);
      return false;
    }
    int stale = ShardingRows.purge(journal());
    if (stale > 0) {
      o.printf("journal: %d rows of sharding state an earlier cluster left (remembered entities) removed; "
          + "checkpoints untouched%n", stale);
    }
    origin = System.currentTimeMillis();
    for (String n : drill.nodes()) {
      launch(n);
    }
    o.printf("drill %s: %d nodes started %s:%d-%d (logs and traces in %s)%s%n", drill.scenario().name(),
        jvms.size(), nodeControl.where(), basePort + 1, basePort + jvms.size(), out,
        drill.scale() == 1 ? "" : "; emulated time runs " + drill.scale() + "x the wall clock");
    if (!drill.randomFaults().isEmpty()) {
      o.printf("random faults %s%n", drill.randomFaults().get(0));
      drill.randomFaults().subList(1, drill.randomFaults().size()).forEach(l -> o.println("  " + l));
    }
    if (journalControl != null) {
      o.println("journal steps stop and start PostgreSQL through " + journalControl.describe());
    }
    NodeSettings given = NodeSettings.parse(new String[] {"--name", "driver", "--role", "driver", "--port",
        String.valueOf(basePort), "--seed", "127.0.0.1:" + (basePort + 1), "--origin", String.valueOf(origin),
        "--scale", String.valueOf(drill.scale())}, System.getenv(), ConfigFactory.load());
    NodeSettings s = given.forDrill(drill);
    Config config = ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = off"
        + (verbose ? "\npekko.loglevel = INFO" : "")).withFallback(ClusterConfig.of(s));
    CompletableFuture<EmulatorSharding.Refs> refs = new CompletableFuture<>();
    ActorSystem<ProcessActor.StepDone> system = ActorSystem.create(driver(refs), NodeSettings.SYSTEM, config);
    stepDone = system;
    recheckMs = config.hasPath("lease-cr.process.recheck-blocked")
        ? config.getDuration("lease-cr.process.recheck-blocked").toMillis() : 0;
    clock = (io.leasecr.core.time.WallClock) io.leasecr.core.time.EmulatedTime.clock(system);
    cut = new ClusterCut(system, clock);
    remembering = EmulatorSharding.rememberProcesses(system);
    CoordinatorClient journal = null;
    try {
      journal = new CoordinatorClient(system, journal());
      o.printf("checkpoints: %s%n", journal.describe());
      Membership members = new Membership(Cluster.get(system.classicSystem()));
      this.members = members;
      losses = new NodeLosses(drill, members, s.expectedDowningMs(config), this::note, this::drillNow);
      long upBy = System.currentTimeMillis() + 60_000;
      while (!drill.nodes().stream().allMatch(members::up)) {
        if (System.currentTimeMillis() > upBy || jvms.values().stream().anyMatch(p -> !p.isAlive())) {
          aborted = "the cluster did not come up within 60 s: " + whyNotUp(members);
          o.println("ABORTED: " + aborted);
          return false;
        }
        Thread.sleep(50);
      }
      watchDriver(system, members);
      Thread.sleep(1000); // let every node's shard regions register with the coordinator
      o.printf("cluster up after %d ms: %s; a crashed node is downed within about %d ms, its shards move %d ms "
          + "after its removal%s%n", System.currentTimeMillis() - origin, drill.nodes(), s.expectedDowningMs(config),
          s.effectiveRemovalMarginMs(), gossipWords(s, given.gossipIntervalMs() == 0) + rememberWords(s, given));
      ClusterTree tree = new ClusterTree(system, refs.get(10, TimeUnit.SECONDS), drill);
      census = new EntityCensus(system, refs.get().processes(), drill.allNodes());
      Map<Integer, ProcessTable.Command> spawns = new LinkedHashMap<>();
      for (Scenario.ProcessDecl p : drill.scenario().processes()) {
        if (!p.forked()) {
          spawns.put(p.pid(), new ProcessTable.Spawn(p.spec()));
        }
      }
      List<Integer> notUp = tree.ensureRunningAll(spawns);
      if (!notUp.isEmpty()) {
        if (aborted == null) {
          aborted = notUp.size() + " processes could not be started, e.g. pid " + notUp.get(0) + " on "
              + drill.candidates(notUp.get(0)).get(0);
        }
        return report(checkJournal());
      }
      o.printf("processes started on their nodes after %d ms%n", System.currentTimeMillis() - origin);
      census.refresh();
      start = System.currentTimeMillis();
      startEmu = clock.nowMillis();
      for (Step step : drill.scenario().steps()) {
        if (aborted != null) {
          break;
        }
        sleepUntil(step.atMs());
        if (aborted != null) {
          break;
        }
        long late = drillNow() - step.atMs();
        if (late > LATE_MS && lastStep != null) {
          note(step.number(), "step " + step.number() + " (" + what(step) + ") is " + late + " ms late: " + lastStep
              + " took until " + Invariants.secs(lastStepEnd));
        }
        try {
          perform(step, tree, members, journal);
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          DriverLog.error("step " + step.number() + " failed", e);
          String why = Words.of(e);
          if (aborted == null) {
            failures.add("step " + step.number() + " (" + what(step) + "): " + why);
            note(step.number(), "step " + step.number() + " (" + what(step) + ") failed: " + why);
          }
        }
        lastStep = "step " + step.number() + " (" + what(step) + ")";
        lastStepEnd = drillNow();
      }
      if (aborted == null) {
        long end = drill.scenario().endMs() > 0 ? drill.scenario().endMs()
            : drill.scenario().steps().get(drill.scenario().steps().size() - 1).atMs() + 2000;
        sleepUntil(end);
      }
      if (aborted == null) {
        try {
          note(0, "/proc/locks at the end: " + tree.locks());
        } catch (Exception e) {
          DriverLog.error("/proc/locks at the end", e);
          note(0, "/proc/locks at the end: not read: " + Words.of(e));
        }
      }
    } finally {
      ending = true; // the nodes are stopped now: the driver alone is not a lost majority
      timers.shutdownNow();
      restoreJournal();
      for (String n : List.copyOf(paused.keySet())) {
        nodeControl.signal(jvms.get(n), "CONT"); // a stopped JVM would not act on the SIGTERM below
      }
      paused.clear();
      for (Process p : jvms.values()) {
        p.destroy();
      }
      for (Process p : jvms.values()) {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      Emulation.shutdown(system);
      if (journal != null) {
        journal.close();
      }
      runs.release();
    }
    return report(checkJournal());
  }

  /** Why the cluster is not up: a node's JVM that exited (its port taken?) or who is not Up yet. */
  private String whyNotUp(Membership members) {
    for (Map.Entry<String, Process> e : jvms.entrySet()) {
      if (!e.getValue().isAlive()) {
        String log = "";
        try {
          log = Files.readString(out.resolve(e.getKey() + ".log"));
        } catch (java.io.IOException ignored) {
          // no log: said below
        }
        if (log.contains("Address already in use") || log.contains("BindException")) {
          return e.getKey() + " could not listen on port " + ports.get(e.getKey()) + ": it is already in use";
        }
        return e.getKey() + "'s JVM exited with code " + e.getValue().exitValue() + " (see " + out.resolve(e.getKey()
            + ".log") + ")";
      }
    }
    List<String> notUp = drill.nodes().stream().filter(n -> !members.up(n)).toList();
    return String.join(", ", notUp) + " not Up (see the node logs in " + out + ")";
  }

  /**
   * Watches the driver's own membership: when the driver is downed (its side lost the majority, or it was
   * cut off), says so at once, naming who went with it, and aborts the drill: nothing it asks after that
   * can be answered.
   */
  private void watchDriver(ActorSystem<?> system, Membership members) {
    Thread t = new Thread(() -> {
      List<String> side = List.of();
      try {
        while (aborted == null && !ending) {
          if (members.selfDown() || system.whenTerminated().isCompleted()) {
            int total = drill.allNodes().stream().filter(n -> ports.containsKey(n)).toList().size();
            String who = side.isEmpty() ? "the driver" : String.join(" and ", side) + " and the driver";
            boolean minority = side.size() * 2 <= total;
            String how = minority ? "downed themselves: minority side (" + side.size() + " of " + total
                + " nodes reachable" + (lastStep == null ? "" : ", after " + lastStep) + ")"
                : "were downed by the other side";
            if (side.isEmpty()) {
              how = how.replace("downed themselves", "downed itself");
            }
            note(0, who + " " + how);
            aborted = "the majority was lost: " + who + " " + how + "; the drill cannot go on from a downed driver";
            return;
          }
          side = members.reachableNodes(drill.allNodes());
          for (Map.Entry<String, Process> j : jvms.entrySet()) {
            if (!j.getValue().isAlive() && losses.how(j.getKey()) == null && exited.add(j.getKey()) && !ending) {
              // not a fault of the drill's: e.g. downed by the resolver when a loaded machine stalled heartbeats
              note(0, j.getKey() + "'s JVM exited by itself (code " + j.getValue().exitValue() + "; see "
                  + out.resolve(j.getKey() + ".log") + ")");
              failures.add(j.getKey() + "'s JVM exited without a fault step" + (lastStep == null ? "" : " (after "
                  + lastStep + ")") + ": see " + out.resolve(j.getKey() + ".log"));
            }
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "driver-membership");
    t.setDaemon(true);
    t.start();
  }

  /** The step in a few words (its verb and target), for the lines that name a step. */
  private String what(Step step) {
    Drill.Fault f = drill.faults().get(step.number());
    if (f instanceof Drill.Crash c) {
      return "crash " + String.join(", ", c.nodes());
    } else if (f instanceof Drill.Partition p) {
      return "partition " + p.node();
    } else if (f instanceof Drill.Pause p) {
      return "pause " + p.node();
    } else if (f instanceof Drill.Resume r) {
      return "resume " + r.node();
    } else if (f instanceof Drill.Journal j) {
      return "journal " + (j.down() ? "down" : "up");
    } else if (f instanceof Drill.Skew sk) {
      return "skew " + sk.node();
    } else if (f instanceof Drill.StartNode sn) {
      return "start_node " + sn.node();
    } else if (drill.openGenerated().containsKey(step.number())) {
      return "open_generated";
    } else if (step.action() instanceof Step.Checkpoint c) {
      return "checkpoint " + c.id();
    } else if (step.action() instanceof Step.Restart r) {
      return "restart from " + r.id();
    }
    return step.describe();
  }

  /** Whether the drill stops and starts its journal. */
  static boolean hasJournalSteps(Drill drill) {
    return drill.faults().values().stream().anyMatch(f -> f instanceof Drill.Journal);
  }

  /**
   * Why the drill cannot run here as written, or null: a LEASE_CR_* node setting it cannot use, or journal steps
   * without a PostgreSQL the drill may stop and start (checked before anything starts).
   */
  public static String refusal(Drill drill, Map<String, String> env) {
    try {
      // the driver's and nodes' LEASE_CR_* settings (gossip, removal margin, remembered entities): checked before
      // any JVM starts, not by the driver once its nodes run
      NodeSettings.parse(new String[0], env, ConfigFactory.load());
    } catch (NodeSettings.BadSetting e) {
      return e.getMessage();
    }
    if (!hasJournalSteps(drill)) {
      return null;
    }
    try {
      JournalControl.from(env);
      return null;
    } catch (IllegalStateException e) {
      int line = drill.scenario().steps().stream().filter(st -> drill.faults().get(st.number()) instanceof Drill.Journal)
          .mapToInt(Step::line).findFirst().orElse(0);
      return drill.scenario().source() + ":" + line + ": " + e.getMessage();
    }
  }

  /** The first of the drill's ports (the driver's, then each node's) that something already listens on, in a line. */
  public static String busyPort(Drill drill, int basePort) {
    List<String> who = new ArrayList<>(List.of("the driver"));
    drill.allNodes().forEach(who::add);
    for (int i = 0; i < who.size(); i++) {
      int port = basePort + i;
      try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
        socket.setReuseAddress(true); // as Artery binds: connections of an earlier run in TIME_WAIT do not count
        socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      } catch (java.io.IOException e) {
        return "port " + port + " on 127.0.0.1 (for " + who.get(i) + ") is already in use: another drill's node or "
            + "another program listens there; stop it or choose another --base-port";
      }
    }
    return null;
  }

  private Behavior<ProcessActor.StepDone> driver(CompletableFuture<EmulatorSharding.Refs> refs) {
    return Behaviors.setup(ctx -> {
      refs.complete(EmulatorSharding.start(ctx, drill, TraceSink.NONE));
      return Behaviors.receiveMessage(done -> {
        if (drill.openGenerated().containsKey(done.step())) {
          if (generatedDone.incrementAndGet() == drill.generated().size()) {
            note(done.step(), "  step " + done.step() + ": all " + drill.generated().size() + " generated opens returned");
          }
          return Behaviors.same();
        }
        String r = done.errno() != null ? "-1 " + done.errno() : String.valueOf(done.result());
        note(done.step(), "  step " + done.step() + " returned: pid " + done.pid() + " " + done.call() + " = " + r);
        return Behaviors.same();
      });
    });
  }

  private void perform(Step step, ClusterTree tree, Membership members, CoordinatorClient journal)
      throws Exception {
    Drill.Fault fault = drill.faults().get(step.number());
    Step.Action a = step.action();
    if (fault instanceof Drill.StartNode sn) {
      startNode(sn.node(), step, members);
    } else if (fault instanceof Drill.Crash c) {
      crash(c.nodes(), step);
    } else if (fault instanceof Drill.Partition p) {
      partition(p, step);
    } else if (fault instanceof Drill.Pause p) {
      pause(p, step);
    } else if (fault instanceof Drill.Resume r) {
      resume(r.node(), step.number());
    } else if (fault instanceof Drill.Journal j) {
      if (j.down()) {
        journalDown(j, step);
      } else {
        journalUp(step.number());
      }
    } else if (fault instanceof Drill.Skew sk) {
      skew(sk, step);
    } else if (drill.openGenerated().containsKey(step.number())) {
      io.leasecr.core.process.Syscall.Open open = drill.openGenerated().get(step.number());
      note(step.number(), "step " + step.number() + ": " + drill.generated().size() + " generated processes open their files "
          + open.mode());
      // at most OPENS_IN_FLIGHT opens on their way: Artery drops what does not fit its outbound queue (3072
      // messages), and 100k tells at once lost most of them (5640 of n1's 33334 opens ran)
      // (no answer for 30 s, e.g. a node lost meanwhile: the rest goes without waiting)
      int before = generatedDone.get();
      int sent = 0;
      boolean throttle = true;
      for (Scenario.ProcessDecl p : drill.scenario().processes()) {
        if (drill.generated().contains(p.name())) {
          long waitUntil = System.currentTimeMillis() + 30_000;
          while (throttle && sent - (generatedDone.get() - before) >= OPENS_IN_FLIGHT) {
            if (System.currentTimeMillis() > waitUntil) {
              throttle = false;
              note(step.number(), "step " + step.number() + ": no generated open answered for 30 s; the other "
                  + (drill.generated().size() - sent) + " are sent without waiting");
            }
            Thread.sleep(2);
          }
          tree.deliver(p.pid(), new ProcessActor.Run(new io.leasecr.core.process.Syscall.Open(open.path()
              + p.name().substring(1), open.mode(), false, false), step.number(), stepDone));
          sent++;
        }
      }
    } else if (a instanceof Step.Call call) {
      note(step.number(), "step " + step.number() + ": " + step.describe());
      tree.deliver(call.pid(), new ProcessActor.Run(call.syscall(), step.number(), stepDone));
    } else if (a instanceof Step.Kill k) {
      note(step.number(), "kill(" + k.proc() + ", " + Signals.name(k.signo()) + ")");
      tree.deliver(k.pid(), new ProcessActor.Signal(k.signo(), Signals.SI_USER, -1));
    } else if (a instanceof Step.SetSysctl sc) {
      tree.toEveryInode(new LockManager.SetSysctl(sc.name(), sc.value()));
    } else if (a instanceof Step.ShowLocks) {
      note(step.number(), "/proc/locks: " + tree.locks());
    } else if (a instanceof Step.Checkpoint c) {
      checkpoint(step, c, tree, journal);
    } else if (a instanceof Step.Restart r) {
      restart(step, r, tree, members, journal);
    }
  }

  /**
   * A frozen cut: every node's clock stops, the state of every inode and process is collected and
   * committed, then time runs on from the instant the clocks stopped (the tree keeps running).
   */
  private void checkpoint(Step step, Step.Checkpoint c, ClusterTree tree, CoordinatorClient journal) throws Exception {
    Set<String> live = new java.util.TreeSet<>(jvms.keySet());
    live.removeAll(losses.nodes());
    frozenSince = System.currentTimeMillis();
    ClusterCut.Frozen frozen = cut.freeze(live);
    String clocks = "clocks of " + String.join(", ", frozen.nodes()) + " frozen at " + Invariants.secs(frozen.atMs() - startEmu)
        + " (spread " + frozen.spreadMs() + " ms)" + (frozen.unreachable().isEmpty() ? ""
            : ", NOT frozen (unreachable): " + String.join(", ", frozen.unreachable()));
    CheckpointImage image;
    byte[] bytes;
    CheckpointCoordinator.Done done;
    long collected;
    // what went with a dead node (killed, or downed) and was not restarted is not asked for: it is gone
    Set<String> gone = new java.util.TreeSet<>();
    for (String n : losses.nodes()) {
      if ("kill -9".equals(losses.how(n)) || members.gone(n)) {
        gone.add(n);
      }
    }
    Set<Integer> gonePids = new java.util.HashSet<>();
    List<String> goneNames = new ArrayList<>();
    for (Scenario.ProcessDecl p : drill.scenario().processes()) {
      if (gone.contains(drill.nodeOf(p)) && !confirmed.contains(p.pid())) {
        gonePids.add(p.pid());
        goneNames.add(p.name());
      }
    }
    Set<Long> goneInos = new java.util.HashSet<>();
    for (io.leasecr.core.locks.Inode i : drill.scenario().vfs().inodes()) {
      if (gone.contains(drill.nodeOf(i)) && !tree.restoredInos.contains(i.ino())) {
        goneInos.add(i.ino());
      }
    }
    String without = gonePids.isEmpty() && goneInos.isEmpty() ? "" : "; without what went with " + String.join(", ", gone)
        + ": " + (goneNames.size() <= 5 ? goneNames.toString() : goneNames.size() + " processes") + ", "
        + goneInos.size() + " lease tables";
    clocks += without;
    long t0 = System.currentTimeMillis();
    try {
      image = tree.save(c.id(), frozen.atMs(), gonePids, goneInos);
      collected = System.currentTimeMillis() - t0;
      bytes = image.toByteArray();
      done = journal.commit(c.id(), image.getTakenAtMs(), drill.scenario().name(), bytes);
    } catch (Exception e) {
      DriverLog.error("checkpoint " + c.id(), e);
      String why = Words.of(e) + (journalDownSince > 0 ? " (the journal is down since " + Invariants.secs(journalDownAt)
          + ")" : "");
      note(step.number(), "checkpoint " + c.id() + " NOT committed after " + (System.currentTimeMillis() - t0) + " ms: "
          + why + "; " + clocks);
      failures.add("checkpoint " + c.id() + " (step " + step.number() + ") was not committed: " + why);
      return;
    } finally {
      try {
        cut.thaw(frozen);
      } finally {
        frozenSince = 0;
      }
    }
    long stood = System.currentTimeMillis() - frozen.wallStart();
    if (done.error() != null) {
      note(step.number(), "checkpoint " + c.id() + " NOT committed: " + done.error() + "; " + clocks);
      failures.add("checkpoint " + c.id() + " (step " + step.number() + ") was not committed: " + done.error());
    } else {
      committed.put(c.id(), bytes);
      note(step.number(), "checkpoint " + c.id() + " committed: " + image.getProcessesCount() + " processes, "
          + image.getLeasesCount() + " leases, " + bytes.length + " bytes; " + clocks + "; state collected in "
          + collected + " ms, time stood still " + stood + " ms of wall time, then ran on (the tree keeps running)");
    }
  }

  /** A spare node's JVM is started and joins; the drill goes on once it is Up. */
  private void startNode(String node, Step step, Membership members) throws Exception {
    long t0 = System.currentTimeMillis();
    launch(node);
    note(step.number(), "start_node " + node + ": " + (nodeControl instanceof ComposeNodes ? "container" : "JVM") + " started on 127.0.0.1:" + ports.get(node));
    long upBy = t0 + 60_000;
    while (!members.up(node)) {
      if (System.currentTimeMillis() > upBy || !jvms.get(node).isAlive()) {
        throw new DrillFailure(node + " did not join the cluster within 60 s (see " + out.resolve(node + ".log") + ")");
      }
      Thread.sleep(20);
    }
    note(step.number(), node + " is Up " + (System.currentTimeMillis() - t0) + " ms after its JVM was started");
  }

  /**
   * The driver's words on gossip, if it is not Pekko's 1 s: the interval, and why when {@code auto} chose it
   * ({@link NodeSettings#forDrill}).
   */
  private String gossipWords(NodeSettings s, boolean auto) {
    if (s.effectiveGossipMs() == NodeSettings.GOSSIP_MS) {
      return "";
    }
    return "; gossip every " + s.effectiveGossipMs() + " ms" + (auto ? " (" + drill.scenario().processes().size()
        + " processes, no pause, partition, skew or random faults: lease-cr.node.gossip-interval = auto)" : "");
  }

  /** The driver's words on remembered process entities, when {@code auto} turned them off for this drill. */
  private String rememberWords(NodeSettings s, NodeSettings given) {
    if (s.remembersProcesses() || !given.rememberProcesses().equals("auto")) {
      return "";
    }
    return "; process entities not remembered (" + drill.scenario().processes().size()
        + " processes: a restart starts them; lease-cr.node.remember-processes = auto)";
  }

  /** Starts a node's JVM on the next free port (the first node is every node's seed). */
  private void launch(String node) throws java.io.IOException {
    int port = basePort + 1 + ports.size();
    ports.put(node, port);
    Process jvm = nodeControl.start(node, port, basePort + 1, file.toAbsolutePath(), out, origin,
        drill.scenario().processes().size(), drill.scale(), verbose);
    jvms.put(node, jvm);
    runs.add(jvm.pid());
  }

  /**
   * kill -9 of the nodes' JVMs, one right after the other; the entity count printed is the census taken in
   * the background before (asking sharding now could wait seconds for a dead node's region).
   */
  private void crash(List<String> nodes, Step step) {
    Map<String, Integer> before = census.latest();
    for (String node : nodes) {
      Process jvm = jvms.get(node);
      long at = System.currentTimeMillis();
      jvm.destroyForcibly();
      note(step.number(), "crash " + node + ": " + nodeControl.crashWords() + " of " + nodeControl.describe(jvm)
          + (before.isEmpty() ? "" : "; process entities per node before: " + before));
      losses.lost(node, at, "kill -9", 0);
    }
    census.refresh();
  }

  /**
   * The node is cut off from the others (both directions) for a while: unless the partition heals
   * before the split-brain resolver decides, the majority side downs it and the node, alone, downs
   * itself and exits; its processes are lost as in a crash. A healed node keeps its processes.
   */
  private void partition(Drill.Partition p, Step step) throws Exception {
    running(p.node());
    long at = System.currentTimeMillis();
    long wallFor = clock.wallMillis(p.forMs());
    java.io.OutputStream control = jvms.get(p.node()).getOutputStream();
    control.write(("partition " + wallFor + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    control.flush();
    note(step.number(), "partition " + p.node() + " from every other node for " + p.forMs() + " ms");
    losses.lost(p.node(), at, "the partition", at + wallFor);
  }

  /**
   * SIGSTOP of the node's JVM: it goes silent as a whole (Jepsen's pause); unless it is resumed before the
   * split-brain resolver decides, the others down it and, once resumed, it learns so and exits. A timed
   * pause ({@code for:}) or a later resume step sends SIGCONT.
   */
  private void pause(Drill.Pause p, Step step) {
    Process jvm = jvms.get(p.node());
    long at = System.currentTimeMillis();
    if (!nodeControl.signal(jvm, "STOP")) {
      note(step.number(), "pause " + p.node() + ": its JVM is not running any more, nothing to stop");
      return;
    }
    paused.put(p.node(), at);
    long wallFor = p.untilMs() < 0 ? -1 : clock.wallMillis(Math.max(0, p.untilMs() - step.atMs()));
    note(step.number(), "pause " + p.node() + ": " + nodeControl.pauseWords(true) + " of " + nodeControl.describe(jvm)
        + (p.untilMs() < 0 ? ", until the drill ends" : ", resumed at " + Invariants.secs(p.untilMs())));
    losses.lost(p.node(), at, "SIGSTOP", wallFor < 0 ? 0 : at + wallFor);
    if (wallFor >= 0) {
      timers.schedule(() -> resume(p.node(), step.number()), wallFor, TimeUnit.MILLISECONDS);
    }
  }

  /** A fault step's node must still run: its JVM may have exited by itself (or been downed) since. */
  private void running(String node) {
    Process jvm = jvms.get(node);
    if (jvm == null || !jvm.isAlive()) {
      throw new DrillFailure(node + "'s JVM is not running any more" + (jvm == null ? "" : " (it exited with code "
          + jvm.exitValue() + ")"));
    }
  }

  /** SIGCONT of a paused node's JVM (once: a timed pause and a resume step may both ask). */
  private void resume(String node, int step) {
    Long since = paused.remove(node);
    if (since == null) {
      return;
    }
    boolean sent = nodeControl.signal(jvms.get(node), "CONT");
    note(step, "resume " + node + ": " + (sent ? nodeControl.pauseWords(false) + " of its " + (nodeControl instanceof ComposeNodes ? "container" : "JVM") + " after " + (System.currentTimeMillis() - since)
        + " ms stopped" : "its JVM is gone"));
  }

  /** Stops the journal's PostgreSQL; a timed outage ({@code for:}) is ended by the drill's timer. */
  private void journalDown(Drill.Journal j, Step step) {
    long t0 = System.currentTimeMillis();
    String problem = journalControl.stop();
    if (problem != null) {
      note(step.number(), "journal down: PostgreSQL NOT stopped: " + problem);
      failures.add("step " + step.number() + " (journal down): PostgreSQL could not be stopped: " + problem);
      return;
    }
    journalDownSince = t0;
    journalDownAt = drillNow();
    note(step.number(), "journal down: PostgreSQL stopped (" + (System.currentTimeMillis() - t0) + " ms)"
        + (j.untilMs() < 0 ? ", until the drill ends" : ", started again at " + Invariants.secs(j.untilMs())));
    if (j.untilMs() >= 0) {
      timers.schedule(() -> journalUp(step.number()), clock.wallMillis(Math.max(0, j.untilMs() - drillNow())),
          TimeUnit.MILLISECONDS);
    }
  }

  /** Starts the journal's PostgreSQL again (once: a timed outage and a journal: up step may both ask). */
  private void journalUp(int step) {
    // its own lock, not the driver's: note() must not wait while pg_ctl starts the server
    synchronized (journalLock) {
      long since = journalDownSince;
      if (since == 0) {
        return;
      }
      String problem = journalControl.start();
      if (problem != null) {
        note(step, "journal up: PostgreSQL NOT started: " + problem);
        failures.add("step " + step + " (journal up): PostgreSQL could not be started again: " + problem);
        return;
      }
      journalDownSince = 0;
      note(step, "journal up: PostgreSQL accepts connections again after " + (System.currentTimeMillis() - since)
          + " ms down");
    }
  }

  /** Whatever happened, a journal this drill stopped is started again. */
  private void restoreJournal() {
    synchronized (journalLock) {
      if (journalDownSince != 0 && journalControl != null) {
        String problem = journalControl.start();
        journalDownSince = 0;
        o.println(problem == null ? "journal: PostgreSQL started again (the drill had stopped it)"
            : "journal: PostgreSQL NOT started again: " + problem);
      }
    }
  }

  /** The node's emulated clock runs ahead (or behind) from now on: 'skew MS' on its fault channel. */
  private void skew(Drill.Skew sk, Step step) throws java.io.IOException {
    running(sk.node());
    java.io.OutputStream control = jvms.get(sk.node()).getOutputStream();
    control.write(("skew " + sk.byMs() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    control.flush();
    note(step.number(), "skew " + sk.node() + ": its emulated clock runs " + Math.abs(sk.byMs()) + " ms "
        + (sk.byMs() >= 0 ? "ahead of" : "behind") + " the others' from now on");
  }

  private void restart(Step step, Step.Restart r, ClusterTree tree, Membership members, CoordinatorClient journal)
      throws Exception {
    // the committed checkpoint is read while the resolver decides (it cannot change: the journal's rows are
    // never rewritten); if the coordinator could not answer before the removal (it was on the lost node), it
    // is asked again after
    long fetch = System.currentTimeMillis();
    long asked = fetch;
    java.util.concurrent.CompletableFuture<Early> early = losses.nodes().isEmpty() ? null
        : java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            CheckpointCoordinator.Found f = journal.get(r.id());
            long ms = System.currentTimeMillis() - asked;
            if (f == null || f.entry() == null) {
              return new Early(f, null, null, ms);
            }
            // parsed and indexed too, while the resolver decides (0.4-0.7 s of a 100k drill's driver otherwise)
            CheckpointImage image = CheckpointImage.parseFrom(f.entry().image().toByteArray());
            List<io.leasecr.proto.image.Process> chosen = chosen(image, r);
            tree.prepare(image, chosen);
            return new Early(f, image, chosen, ms);
          } catch (Exception e) {
            return null;
          }
        });
    for (String crashed : losses.nodes()) {
      if (!members.awaitRemoved(crashed, 60_000)) {
        note(step.number(), "restart: " + crashed + " is still a member after 60 s");
      }
    }
    Early got = null;
    try {
      got = early == null ? null : early.get(3, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      got = null; // the singleton is moving (it was on the lost node): asked again below
    }
    CheckpointCoordinator.Found found = got == null ? null : got.found();
    if (found == null || found.entry() == null) {
      fetch = System.currentTimeMillis();
      found = journal.get(r.id());
      fetch = System.currentTimeMillis() - fetch;
      got = null;
    } else {
      fetch = got.fetchMs();
    }
    if (found.entry() == null) {
      note(step.number(), "restart: no checkpoint " + r.id() + " in the journal");
      failures.add("step " + step.number() + " (restart from " + r.id() + "): no checkpoint " + r.id()
          + " in the journal" + (committed.containsKey(r.id()) ? "" : " (it was not committed)"));
      return;
    }
    CheckpointImage image = got != null ? got.image() : CheckpointImage.parseFrom(found.entry().image().toByteArray());
    List<io.leasecr.proto.image.Process> chosen = got != null ? got.chosen() : chosen(image, r);
    List<String> on = drill.restartOn().get(step.number());
    List<String> names = chosen.stream().map(p -> p.getSpec().getName()).toList();
    note(step.number(), "restart from " + r.id() + " (committed at " + Invariants.secs(image.getTakenAtMs() - startEmu)
        + ") of " + (names.size() <= 20 ? names.toString() : names.size() + " processes")
        + (on == null ? "" : " on " + (on.size() == 1 ? on.get(0) : on.toString())) + ", policy " + r.policy()
        + "; read from the journal in " + fetch + " ms");
    long t0 = System.currentTimeMillis();
    long begun = drillNow();
    for (io.leasecr.proto.image.Process p : chosen) {
      String target = drill.restartTarget(step.number(), p.getSpec().getPid());
      if (target != null) {
        restartedOn.put(p.getSpec().getPid(), target);
        restartedAt.put(p.getSpec().getPid(), begun);
      }
    }
    tree.restore(image, chosen, r.policy(), r.criu());
    chosen.forEach(p -> confirmed.add(p.getSpec().getPid()));
    for (io.leasecr.proto.image.Process p : chosen) {
      Long lost = losses.pidsLostAt().get(p.getSpec().getPid());
      if (lost != null) {
        restartMs.put(p.getSpec().getPid(), drillNow() - lost);
      }
    }
    note(step.number(), "restored " + chosen.size() + " processes in " + (System.currentTimeMillis() - t0) + " ms ("
        + tree.phasesText() + ")");
    losses.checkRestartTime(step.number(), chosen.stream().map(p -> p.getSpec().getPid()).toList(),
        System.currentTimeMillis());
  }

  /** A checkpoint read (and indexed) while the resolver decides, and how long the read took. */
  private record Early(CheckpointCoordinator.Found found, CheckpointImage image,
      List<io.leasecr.proto.image.Process> chosen, long fetchMs) {}

  /** The processes of {@code image} the restart brings back (all, or those it names). */
  private static List<io.leasecr.proto.image.Process> chosen(CheckpointImage image, Step.Restart r) {
    List<io.leasecr.proto.image.Process> chosen = new ArrayList<>();
    java.util.Set<String> only = r.only() == null ? null : new java.util.HashSet<>(r.only()); // 33k names at 100k
    for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
      if (only == null || only.contains(p.getSpec().getName())) {
        chosen.add(p);
      }
    }
    return chosen;
  }

  private Journal journal() {
    Journal postgres = io.leasecr.node.config.LeaseCrConfig.load().postgresOrNull();
    return postgres != null ? postgres : Journal.h2(out.resolve("data"));
  }

  /** No committed checkpoint lost: a fresh reader of the journal finds each one, byte for byte. */
  private List<String> checkJournal() throws Exception {
    List<String> problems = new ArrayList<>();
    if (committed.isEmpty()) {
      return problems;
    }
    try (JournalClient reader = new JournalClient(journal())) {
      for (Map.Entry<String, byte[]> c : committed.entrySet()) {
        CheckpointCoordinator.Found f = reader.ask(to -> new CheckpointCoordinator.Get(c.getKey(), to));
        if (f.entry() == null) {
          problems.add("committed checkpoint " + c.getKey() + " is not in the journal any more");
        } else if (!Arrays.equals(f.entry().image().toByteArray(), c.getValue())) {
          problems.add("committed checkpoint " + c.getKey() + " changed in the journal");
        }
      }
    }
    return problems;
  }

  private boolean report(List<String> journalProblems) throws Exception {
    List<TraceEvent> all = new ArrayList<>();
    Map<String, List<TraceEvent>> byNode = new LinkedHashMap<>();
    List<String> violations = new ArrayList<>();
    Map<Integer, String> ranOn = new HashMap<>();
    for (String n : jvms.keySet()) {
      List<TraceEvent> events = TraceFiles.read(out.resolve(n + ".jsonl"), startEmu);
      all.addAll(events);
      byNode.put(n, events);
      for (TraceEvent e : events) {
        Long at = restartedAt.get(e.pid());
        if (at != null && !e.proc().equals("kernel") && e.t() >= at && !ranOn.containsKey(e.pid())) {
          ranOn.put(e.pid(), n);
        }
      }
      String text = Timeline.render(events);
      Files.writeString(out.resolve("timeline-" + n + ".txt"), text);
      o.printf("%n== node %s%s%n%s", n, losses.how(n) != null ? " (lost: " + losses.how(n) + ")" : "",
          events.size() <= 400 ? text : "    (" + events.size() + " events: see " + out.resolve("timeline-" + n + ".txt") + ")\n");
    }
    driverEvents.sort(Comparator.comparingLong(TraceEvent::t));
    String driverText = Timeline.render(driverEvents);
    Files.writeString(out.resolve("timeline-driver.txt"), driverText);
    o.printf("%n== driver%n%s", driverText);
    DrillPages.write(out, drill.scenario().name(), byNode, driverEvents, o); // timeline.html + drill.jsonl
    o.printf("%n== what each process saw%n");
    all.sort(Comparator.comparingLong(TraceEvent::t));
    for (Scenario.ProcessDecl p : drill.scenario().processes()) {
      if (drill.generated().contains(p.name())) {
        continue; // thousands: their lines are in the node timelines
      }
      List<TraceEvent> mine = all.stream().filter(e -> e.pid() == p.pid() && e.proc().equals(p.name())
          && List.of("block", "return", "signal", "restart", "exit", "reaction").contains(e.kind())).toList();
      o.printf("%s[%d] (placed on %s):%n%s", p.name(), p.pid(), drill.nodeOf(p), Timeline.render(mine));
    }
    // a second of wall-clock slack (message and JVM delays) is scale seconds of emulated time
    if (remembering) {
      RememberedEntities.summary(all, losses.pidsLostAt(), restartedAt).ifPresent(o::println);
    }
    violations.addAll(Invariants.check(all, losses.pidsLostAt(), restartMs, confirmed,
        (long) (Invariants.TOLERANCE_MS * Math.max(1, drill.scale())), losses.healedCuts(),
        (long) (recheckMs * Math.max(1, drill.scale())), drillNow()));
    restartedOn.forEach((pid, node) -> {
      String ran = ranOn.get(pid);
      if (ran != null && !ran.equals(node)) {
        violations.add("pid " + pid + " was to be restarted on " + node + " but ran on " + ran);
      }
    });
    violations.addAll(journalProblems);
    violations.addAll(losses == null ? List.of() : losses.timingProblems());
    if (violations.isEmpty() && failures.isEmpty() && aborted == null) {
      o.printf("PASS %s: no conflicting leases, every blocked opener returned in time, %d committed checkpoints "
          + "intact%n", drill.scenario().name(), committed.size());
      return true;
    }
    o.printf("invariants%s: %s%n", aborted == null ? "" : " (checked on the run so far)", violations.isEmpty()
        ? "held: no conflicting leases, every blocked opener returned in time, " + committed.size()
            + " committed checkpoints intact" : violations.size() + " violated");
    violations.forEach(v -> o.println("FAIL: " + v));
    failures.forEach(f -> o.println("FAIL: " + f));
    if (aborted != null) {
      o.println("ABORTED: " + aborted);
    }
    return false;
  }

  /** Emulated ms since the steps began (before that, since the drill's origin). */
  private long drillNow() {
    return clock == null ? System.currentTimeMillis() - origin : clock.nowMillis() - startEmu;
  }

  /**
   * A line of the driver's timeline. While a cut holds the clocks (and so the drill time) still, a line
   * from another thread (a downing seen meanwhile) is stamped with the time it would have had on a running
   * clock, and says how far into the cut it came.
   */
  private synchronized void note(int step, String text) {
    long t = drillNow();
    long since = frozenSince;
    if (since > 0 && step == 0 && clock != null && clock.frozen()) {
      long into = System.currentTimeMillis() - since;
      text = text + " [" + into + " ms into the cut at " + Invariants.secs(t) + ", while the clocks stood still]";
      t += (long) (into * drill.scale());
    }
    driverEvents.add(new TraceEvent(t, "note", 0, "drill", step, null, TraceEvent.args("text", text), null, null));
    o.printf("%10s  %s%n", Invariants.secs(t), text);
    DriverLog.info(Invariants.secs(t) + "  " + text);
  }

  private void sleepUntil(long atMs) throws InterruptedException {
    for (long left = atMs - drillNow(); left > 0; left = atMs - drillNow()) {
      Thread.sleep(Math.max(1, clock.wallMillis(left)));
    }
  }
}
