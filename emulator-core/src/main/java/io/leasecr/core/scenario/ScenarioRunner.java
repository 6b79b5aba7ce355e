package io.leasecr.core.scenario;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.ProcessActor;
import io.leasecr.core.time.EmulatedClock;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
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

  public static Behavior<Command> create(Scenario scenario, TraceSink trace, CompletableFuture<List<String>> done) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ScenarioRunner(ctx, timers, scenario, trace, done)));
  }

  private final TimerScheduler<Command> timers;
  private final EmulatedClock clock;
  private final Scenario scenario;
  private final TraceSink trace;
  private final CompletableFuture<List<String>> done;
  private final ActorRef<LockManager.Command> locks;
  private final ActorRef<ProcessTable.Command> processes;
  private int next;

  private ScenarioRunner(ActorContext<Command> ctx, TimerScheduler<Command> timers, Scenario scenario,
      TraceSink trace, CompletableFuture<List<String>> done) {
    super(ctx);
    this.timers = timers;
    this.clock = EmulatedTime.clock(ctx.getSystem());
    this.scenario = scenario;
    this.trace = trace;
    this.done = done;
    this.locks = ctx.spawn(LockManager.create(scenario.vfs(), scenario.sysctl("fs.lease-break-time"),
        scenario.sysctl("fs.leases-enable") != 0, trace), "kernel-locks");
    this.processes = ctx.spawn(ProcessTable.create(locks, trace), "processes");
    for (Scenario.ProcessDecl p : scenario.processes()) {
      if (!p.forked()) {
        processes.tell(new ProcessTable.Spawn(p.spec()));
      }
    }
    if (scenario.endMs() > 0) {
      clock.setHorizonNanos(scenario.endMs() * 1_000_000L);
    }
    scheduleNext();
    clock.setPaused(false);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(NextStep.class, m -> onNextStep())
        .onMessage(Locks.class, this::onLocks)
        .onMessage(Idle.class, m -> onIdle())
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
    Step step = scenario.steps().get(next++);
    Step.Action action = step.action();
    if (action instanceof Step.Call call) {
      processes.tell(new ProcessTable.Deliver(call.pid(), new ProcessActor.Run(call.syscall(), step.number(), null)));
    } else if (action instanceof Step.Kill kill) {
      emit("kill", step.number(), TraceEvent.args("target", kill.proc(), "targetPid", kill.pid(),
          "signal", Signals.name(kill.signo())));
      processes.tell(new ProcessTable.Deliver(kill.pid(), new ProcessActor.Signal(kill.signo(), Signals.SI_USER, -1)));
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

  private Behavior<Command> onLocks(Locks m) {
    emit("locks", m.step(), TraceEvent.args("lines", m.lines()));
    if (m.step() == 0) {
      done.complete(m.lines());
    }
    return this;
  }

  private Behavior<Command> onIdle() {
    locks.tell(new LockManager.ShowLocks(
        getContext().messageAdapter(LockManager.LocksReport.class, r -> new Locks(0, r.lines()))));
    return this;
  }

  private void emit(String kind, int step, java.util.Map<String, Object> args) {
    trace.emit(new TraceEvent(clock.nowMillis(), kind, 0, "scenario", step, null, args, null, null));
  }
}
