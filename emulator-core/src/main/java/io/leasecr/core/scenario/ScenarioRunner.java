package io.leasecr.core.scenario;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.ImageBytes;
import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.restore.RestoreCost;
import io.leasecr.core.time.EmulatedClock;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.proto.image.CheckpointImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Plays a scenario: builds the kernel (LockManager, ProcessTable) and the initial process tree,
 * fires each step at its emulated time, and when nothing is left to happen takes a final
 * /proc/locks snapshot and completes {@code done} with it. Used as the guardian of a run's system.
 */
public final class ScenarioRunner extends AbstractBehavior<ScenarioRunner.Command> {

  /** The runner drives one local run: its messages never cross a node. */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  private record NextStep() implements Command {}

  private record Idle() implements Command {}

  private record Locks(int step, List<String> lines) implements Command {}

  private record LocksPart(LockManager.LocksSaved saved) implements Command {}

  private record ProcessesPart(ProcessTable.ProcessesSaved saved) implements Command {}

  private record JournalReady(Throwable failure) implements Command {}

  private record CoordinatorReady(CheckpointCoordinator.Listing listing) implements Command {}

  private record Committed(CheckpointCoordinator.Done done) implements Command {}

  private record Fetched(Step step, CheckpointCoordinator.Found found) implements Command {}

  /** The restore's last process is back: the tree runs again. */
  private record Resume(RestoreCost.Pending pending) implements Command {}

  public static Behavior<Command> create(Scenario scenario, TraceSink trace, CompletableFuture<List<String>> done) {
    return create(scenario, trace, done, false);
  }

  /**
   * With {@code journal}, checkpoints are committed to the event journal (the system's configured
   * pekko-persistence plugin) and restarts may take a checkpoint committed by an earlier run.
   */
  public static Behavior<Command> create(Scenario scenario, TraceSink trace, CompletableFuture<List<String>> done,
      boolean journal) {
    return create(scenario, trace, done, journal, null);
  }

  /**
   * With the restore settings ({@code lease-cr.restore}) taken from {@code restoreConfig} instead of the
   * system's configuration: a reused actor system runs each run with its own ({@link EmulatorPool}).
   */
  public static Behavior<Command> create(Scenario scenario, TraceSink trace, CompletableFuture<List<String>> done,
      boolean journal, com.typesafe.config.Config restoreConfig) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ScenarioRunner(ctx, timers, scenario, trace, done, journal, restoreConfig)));
  }

  private final TimerScheduler<Command> timers;
  private final EmulatedClock clock;
  private final Scenario scenario;
  private final TraceSink trace;
  private final CompletableFuture<List<String>> done;
  private final ActorRef<LockManager.Command> locks;
  private final ActorRef<ProcessTable.Command> processes;
  private final Map<String, CheckpointImage> checkpoints = new HashMap<>();
  private int next;
  /** The checkpoint being taken: the tree is frozen until both halves are in. */
  private Step inCheckpoint;
  private CheckpointImage.Builder locksPart;
  private List<io.leasecr.proto.image.Process> processesPart;
  private final boolean journal;
  private ActorRef<CheckpointCoordinator.Command> coordinator;
  private CheckpointImage committing;
  /** How long restores take; null when restarts are instant. */
  private final RestoreCost restoreCost;
  /** CRIU's type guess for criu-mode restarts whose step does not name one ({@code lease-cr.criu.type-guess}). */
  private final io.leasecr.core.locks.CriuTypeGuess typeGuess;
  /** The restore under way while it takes its modelled time, else null. */
  private RestoreCost.Pending restoring;
  private int restarts;
  /** A checkpoint asked for while a restore was under way: taken once the tree runs. */
  private Step deferredCheckpoint;

  private ScenarioRunner(ActorContext<Command> ctx, TimerScheduler<Command> timers, Scenario scenario,
      TraceSink trace, CompletableFuture<List<String>> done, boolean journal, com.typesafe.config.Config restoreConfig) {
    super(ctx);
    this.timers = timers;
    this.clock = EmulatedTime.clock(ctx.getSystem());
    this.scenario = scenario;
    this.trace = trace;
    this.done = done;
    this.journal = journal;
    trace.phase("spawn");
    com.typesafe.config.Config config = restoreConfig != null ? restoreConfig : ctx.getSystem().settings().config();
    this.restoreCost = RestoreCost.fromConfig(config, scenario.seed());
    this.typeGuess = config.hasPath("lease-cr.criu.type-guess")
        ? io.leasecr.core.locks.CriuTypeGuess.parse(config.getString("lease-cr.criu.type-guess"))
        : io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE;
    this.locks = ctx.spawn(LockManager.create(scenario.vfs(), scenario.sysctl("fs.lease-break-time"),
        scenario.sysctl("fs.leases-enable") != 0, trace), "kernel-locks");
    this.processes = ctx.spawn(ProcessTable.create(locks, trace), "processes");
    // a kernel actor that fails ends the run with the reason, instead of leaving it waiting forever
    ctx.watch(locks);
    ctx.watch(processes);
    List<io.leasecr.core.process.ProcessSpec> initial = new ArrayList<>();
    for (Scenario.ProcessDecl p : scenario.processes()) {
      if (!p.forked()) {
        initial.add(p.spec());
      }
    }
    int group = ProcessTable.spawnGroup(ctx.getSystem());
    if (group > 0 && initial.size() > group) {
      processes.tell(new ProcessTable.SpawnAll(initial)); // a large tree: started in slices (ProcessGroup)
    } else {
      initial.forEach(spec -> processes.tell(new ProcessTable.Spawn(spec)));
    }
    if (scenario.endMs() > 0) {
      clock.setHorizonNanos(Math.multiplyExact(scenario.endMs(), 1_000_000L));
    }
    scheduleNext();
    if (journal) {
      // time stands still until the journal is there and replayed: its JDBC work runs on other threads
      ctx.pipeToSelf(Journal.createSchema(ctx.getSystem()), (ok, failure) -> new JournalReady(failure));
    } else {
      clock.setPaused(false);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(NextStep.class, m -> onNextStep())
        .onMessage(Locks.class, this::onLocks)
        .onMessage(Idle.class, m -> onIdle())
        .onMessage(LocksPart.class, m -> {
          locksPart = m.saved().part().toBuilder();
          return checkpointDone();
        })
        .onMessage(JournalReady.class, this::onJournalReady)
        .onMessage(CoordinatorReady.class, m -> {
          clock.setPaused(false);
          return this;
        })
        .onMessage(Committed.class, this::onCommitted)
        .onMessage(Resume.class, this::onResume)
        .onMessage(Fetched.class, m -> m.found().error() != null
            ? fail("step " + m.step().number() + ": " + m.found().error()) // damaged in the journal
            : m.found().entry() == null
            ? fail("step " + m.step().number() + ": no checkpoint " + m.found().id() + " in the journal")
            : restartFrom(m.step(), (Step.Restart) m.step().action(), parse(m.found().entry()), false))
        .onSignal(Terminated.class, t -> fail("the emulator's " + t.getRef().path().name() + " actor failed (LEASE_CR_LOG=WARN prints why on the console)"))
        .onMessage(ProcessesPart.class, m -> {
          processesPart = m.saved().processes();
          return checkpointDone();
        })
        .build();
  }

  private void scheduleNext() {
    if (next < scenario.steps().size()) {
      long delay = Math.max(0, scenario.steps().get(next).atMs() - clock.nowMillis());
      timers.startSingleTimer(NextStep.class, new NextStep(), Duration.ofMillis(delay));
    } else {
      ActorRef<Command> self = getContext().getSelf();
      clock.whenIdle(() -> self.tell(new Idle()));
    }
  }

  private Behavior<Command> onNextStep() {
    if (next == 0) {
      trace.phase("run");
    }
    Step step = scenario.steps().get(next++);
    Step.Action action = step.action();
    if (action instanceof Step.Call call) {
      processes.tell(new ProcessTable.Deliver(call.pid(), new ProcessActor.Run(call.syscall(), step.number(), null)));
    } else if (action instanceof Step.Kill kill) {
      emit("kill", step.number(), TraceEvent.args("target", kill.proc(), "targetPid", kill.pid(),
          "signal", Signals.name(kill.signo())));
      processes.tell(new ProcessTable.Deliver(kill.pid(), new ProcessActor.Signal(kill.signo(), Signals.SI_USER, -1)));
    } else if (action instanceof Step.Checkpoint) {
      if (restoring != null) {
        deferredCheckpoint = step; // half a tree is no checkpoint: wait until the restore is over
        return this;
      }
      return checkpoint(step);
    } else if (action instanceof Step.Restart restart) {
      return restart(step, restart);
    } else if (action instanceof Step.SetSysctl sysctl) {
      emit("sysctl", step.number(), TraceEvent.args("name", sysctl.name(), "value", sysctl.value()));
      locks.tell(new LockManager.SetSysctl(sysctl.name(), sysctl.value()));
    } else {
      int number = step.number();
      locks.tell(new LockManager.ShowLocks(
          getContext().messageAdapter(LockManager.LocksReport.class, r -> new Locks(number, r.lines()))));
    }
    scheduleNext();
    return this;
  }

  private Behavior<Command> checkpoint(Step step) {
    // freeze: no timer (process step, reaction, lease deadline) fires until the image is complete
    clock.setPaused(true);
    trace.phase("collect");
    inCheckpoint = step;
    locks.tell(new LockManager.Save(getContext().messageAdapter(LockManager.LocksSaved.class, LocksPart::new)));
    processes.tell(new ProcessTable.Save(
        getContext().messageAdapter(ProcessTable.ProcessesSaved.class, ProcessesPart::new)));
    return this; // the next step is scheduled once the checkpoint is stored
  }

  private Behavior<Command> onJournalReady(JournalReady m) {
    if (m.failure() != null) {
      return fail(new Journal.Unavailable("the checkpoint journal cannot be opened: " + Journal.reason(m.failure()),
          m.failure()));
    }
    coordinator = getContext().spawn(CheckpointCoordinator.create(
        getContext().messageAdapter(CheckpointCoordinator.Listing.class, CoordinatorReady::new)), "checkpoints");
    getContext().watch(coordinator); // a failed journal write stops it: the run must not wait for the commit
    return this;
  }

  private Behavior<Command> fail(String why) {
    return fail(new IllegalStateException(why));
  }

  private Behavior<Command> fail(IllegalStateException why) {
    done.completeExceptionally(why);
    return Behaviors.stopped();
  }

  private CheckpointImage parse(CheckpointCoordinator.Entry entry) {
    try {
      return ImageFiles.parse("journal checkpoint " + entry.id(), entry.image().toByteArray());
    } catch (ImageFiles.BadImage e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private Behavior<Command> onCommitted(Committed m) {
    if (m.done().error() != null) {
      return fail(new Journal.Unavailable("checkpoint " + m.done().id() + " was not committed: " + m.done().error(),
          null));
    }
    CheckpointImage image = committing;
    committing = null;
    return checkpointStored(image, true);
  }

  private Behavior<Command> checkpointDone() {
    if (locksPart == null || processesPart == null) {
      return this;
    }
    trace.phase("build");
    Step.Checkpoint c = (Step.Checkpoint) inCheckpoint.action();
    CheckpointImage image = locksPart.setMagic(ImageCodec.MAGIC).setId(c.id()).setTakenAtMs(clock.nowMillis())
        .setScenario(scenario.name()).addAllProcesses(processesPart).build();
    if (c.beforeSignal()) {
      image = BeforeSignal.apply(image);
    }
    checkpoints.put(c.id(), image);
    locksPart = null;
    processesPart = null;
    if (coordinator != null) {
      // a checkpoint counts once committed; the tree stays frozen until the journal says so
      committing = image;
      trace.phase("serialize");
      byte[] bytes = ImageBytes.serialize(image);
      trace.phase("commit");
      coordinator.tell(new CheckpointCoordinator.Commit(c.id(), image.getTakenAtMs(), scenario.name(),
          bytes, getContext().messageAdapter(CheckpointCoordinator.Done.class, Committed::new)));
      return this;
    }
    return checkpointStored(image, false);
  }

  private Behavior<Command> checkpointStored(CheckpointImage image, boolean committed) {
    trace.phase("run");
    Step.Checkpoint c = (Step.Checkpoint) inCheckpoint.action();
    emit("checkpoint", inCheckpoint.number(), TraceEvent.args("id", c.id(), "processes", image.getProcessesCount(),
        "leases", image.getLeasesCount(), "bytes", image.getSerializedSize(), "image", c.imageFile(),
        "journal", committed ? "committed" : null, "tree", c.leaveRunning() ? "left running" : "stopped"));
    if (c.expectImage() != null) {
      emitImage(inCheckpoint.number(), image);
    }
    if (c.imageFile() != null) {
      try {
        ImageFiles.write(resolve(c.imageFile()), image);
      } catch (IOException e) {
        done.completeExceptionally(new IllegalStateException("cannot write image " + c.imageFile() + ": " + e.getMessage()));
        return Behaviors.stopped();
      }
    }
    if (!c.leaveRunning()) {
      // like a CRIU dump: the tree goes (no exit(2), no trace of its own); only the image remains
      locks.tell(LockManager.Restore.ofWholeTree(image, List.of(), "remaining", false, Map.of()));
      processes.tell(new ProcessTable.Restore(List.of(), List.of()));
    }
    inCheckpoint = null;
    scheduleNext();
    clock.setPaused(false);
    return this;
  }

  private Behavior<Command> restart(Step step, Step.Restart r) {
    CheckpointImage image = r.id() != null ? checkpoints.get(r.id()) : null;
    boolean takenHere = image != null;
    if (image != null && !restartedFromLater(r.id())) {
      checkpoints.remove(r.id()); // its last use: a large tree's image is not kept beside the restored tree
    }
    if (image == null && r.imageFile() == null) {
      if (coordinator == null) {
        return fail("step " + step.number() + ": checkpoint " + r.id() + " is not in this run and no journal is open");
      }
      clock.setPaused(true); // the restart happens at this instant, whatever the journal takes
      trace.phase("read");
      coordinator.tell(new CheckpointCoordinator.Get(r.id(),
          getContext().messageAdapter(CheckpointCoordinator.Found.class, f -> new Fetched(step, f))));
      return this;
    }
    if (image == null) {
      try {
        ImageFiles.Loaded loaded = ImageFiles.load(resolve(r.imageFile()));
        if (loaded.headerless()) {
          System.err.println("emulator: note: " + loaded.note(resolve(r.imageFile())));
        }
        image = loaded.image();
      } catch (ImageFiles.BadImage e) {
        done.completeExceptionally(new IllegalStateException("step " + step.number() + ": " + e.getMessage()));
        return Behaviors.stopped();
      }
    }
    return restartFrom(step, r, image, takenHere);
  }

  /** Whether a step still to come restarts from checkpoint {@code id} of this run. */
  private boolean restartedFromLater(String id) {
    for (int i = next; i < scenario.steps().size(); i++) {
      if (scenario.steps().get(i).action() instanceof Step.Restart later && id.equals(later.id())) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code takenHere}: the image is one this run built at its own cut, from this scenario's files, not one read
   * from a file or the journal; it is not checked again (two passes over every file and fd of the image, about 6%
   * of a 100k-process run's loop, BENCHMARKS.md issue 17). Images from outside are checked before any actor hears
   * of them.
   */
  private Behavior<Command> restartFrom(Step step, Step.Restart r, CheckpointImage image, boolean takenHere) {
    trace.phase("restore");
    String bad = takenHere ? null : ImageCodec.mismatch(image, scenario.vfs());
    if (bad != null) {
      return fail("step " + step.number() + ": checkpoint " + image.getId() + " cannot be restored here: " + bad);
    }
    clock.setPaused(false);
    // one pass over the image's processes (a million at most): the chosen ones, their pids and names
    List<io.leasecr.proto.image.Process> all = image.getProcessesList();
    List<io.leasecr.proto.image.Process> chosen = r.only() == null ? all : new ArrayList<>();
    List<Integer> pids = new ArrayList<>(all.size());
    List<String> names = new ArrayList<>(all.size());
    for (io.leasecr.proto.image.Process p : all) {
      io.leasecr.proto.wire.ProcessSpec spec = p.getSpec();
      if (r.only() == null || r.only().contains(spec.getName())) {
        if (chosen != all) {
          chosen.add(p);
        }
        pids.add(spec.getPid());
        names.add(spec.getName());
      }
    }
    io.leasecr.core.locks.CriuTypeGuess guess = r.typeGuess() != null ? r.typeGuess() : typeGuess;
    Map<String, Object> args = TraceEvent.args("id", image.getId(), "policy", r.policy(),
        "mode", r.mode().toString(), "processes", java.util.Collections.unmodifiableList(names),
        "checkpointAt", image.getTakenAtMs());
    if (r.mode() == io.leasecr.core.locks.RestartMode.CRIU && guess != io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE) {
      args.put("typeGuess", guess.toString()); // 4.2's guess is the default: those traces stay as they were
    }
    emit("restart", step.number(), args);
    if (restoreCost == null) {
      locks.tell(LockManager.Restore.ofWholeTree(image, pids, r.policy(), r.mode(), guess, Map.of()));
      processes.tell(new ProcessTable.Restore(chosen, image.getFilesList()));
    } else {
      // the restore takes time: leases come back with their holders, the tree runs when all are back
      RestoreCost.Pending pending = restoreCost.plan(image, chosen, clock.nowMillis(), ++restarts);
      restoring = pending;
      processes.tell(new ProcessTable.Restore(List.of(), List.of())); // a tree still running is gone now
      locks.tell(LockManager.Restore.ofWholeTree(image, pids, r.policy(), r.mode(), guess, pending.restoredAtMs()));
      timers.startSingleTimer(Resume.class, new Resume(pending), Duration.ofMillis(pending.resumeAtMs() - clock.nowMillis()));
    }
    scheduleNext();
    return this;
  }

  private Behavior<Command> onResume(Resume m) {
    restoring = null;
    RestoreCost.Pending p = m.pending();
    emit("restored", 0, TraceEvent.args("id", p.image().getId(), "processes", p.processes().size(),
        "restoreMs", p.resumeAtMs() - p.startMs(), "busyThreads", restoreCost.busyThreads(),
        "model", restoreCost.model().source()));
    processes.tell(new ProcessTable.Restore(p.processes(), p.image().getFilesList()));
    if (deferredCheckpoint != null) {
      Step step = deferredCheckpoint;
      deferredCheckpoint = null;
      return checkpoint(step);
    }
    return this;
  }

  /** Image paths are relative to the scenario file. */
  private Path resolve(String file) {
    Path p = Path.of(file);
    Path dir = Path.of(scenario.source()).toAbsolutePath().getParent();
    return p.isAbsolute() || dir == null ? p : dir.resolve(p);
  }

  private Behavior<Command> onLocks(Locks m) {
    emit("locks", m.step(), TraceEvent.args("lines", m.lines()));
    if (m.step() == 0) {
      trace.phase("done");
      done.complete(m.lines());
    }
    return this;
  }

  private Behavior<Command> onIdle() {
    trace.phase("idle");
    locks.tell(new LockManager.ShowLocks(
        getContext().messageAdapter(LockManager.LocksReport.class, r -> new Locks(0, r.lines()))));
    return this;
  }

  /** The image's leases field by field, for a checkpoint step that has expectations on them. */
  private void emitImage(int step, CheckpointImage image) {
    Map<Long, String> paths = new HashMap<>();
    image.getFilesList().forEach(f -> paths.put(f.getId(), f.getPath()));
    List<Map<String, Object>> leases = new ArrayList<>();
    for (io.leasecr.proto.image.Lease l : image.getLeasesList()) {
      String type = typeName(l.getTypeValue());
      String target = l.getUnlockPending() ? "UNLCK" : l.getDowngradePending() ? "READ" : type;
      leases.add(CrExpectation.leaseArgs(paths.get(l.getFileId()), l.getPid(), type, target,
          l.getHasTypePrev() ? typeName(l.getTypePrevValue()) : null,
          l.getBreakNotified(), l.getRemainingMs()));
    }
    emit("image", step, TraceEvent.args("id", image.getId(), "leases", leases));
  }

  private static String typeName(int value) {
    io.leasecr.core.locks.LeaseType t = io.leasecr.core.locks.LeaseType.ofValue(value);
    return t == null ? "?" + value : t.procName;
  }

  private void emit(String kind, int step, Map<String, Object> args) {
    trace.emit(new TraceEvent(clock.nowMillis(), kind, 0, "scenario", step, null, args, null, null));
  }
}
