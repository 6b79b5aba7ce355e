package io.leasecr.core.scenario;

import com.typesafe.config.Config;
import io.leasecr.core.time.EmulatedScheduler;
import io.leasecr.core.trace.TraceSink;
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

/**
 * The guardian of a reused actor system ({@link EmulatorPool}): runs one scenario at a time as its child,
 * a {@link ScenarioRunner} exactly as a fresh system's guardian would be. When the run is over it stops
 * the runner (and with it the kernel and every process), waits until nothing of the run is left on the
 * loop, and puts the clock back to time 0, paused, as a new system's: the next run cannot tell.
 */
public final class RunHost extends AbstractBehavior<RunHost.Command> {

  /** The host's messages never leave the JVM. */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /**
   * Play {@code scenario}; {@code done} completes as a fresh system's would, {@code clean} once the
   * system may take the next run (with how many live timers of this run were dropped).
   */
  public record Start(Scenario scenario, TraceSink trace, CompletableFuture<List<String>> done, Config restoreConfig,
      CompletableFuture<Integer> clean) implements Command {}

  private record Ended(ActorRef<ScenarioRunner.Command> runner) implements Command {}

  public static Behavior<Command> create() {
    return Behaviors.setup(RunHost::new);
  }

  private final EmulatedScheduler scheduler;
  private long runs;
  /** The run under way (null between runs). */
  private Start current;

  private RunHost(ActorContext<Command> ctx) {
    super(ctx);
    if (!(ctx.getSystem().classicSystem().scheduler() instanceof EmulatedScheduler s)) {
      throw new IllegalStateException("a run host needs the emulated scheduler (EmulatorConfig)");
    }
    this.scheduler = s;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Ended.class, m -> {
          getContext().stop(m.runner()); // a runner that failed has stopped itself already: no-op then
          return this;
        })
        .onSignal(Terminated.class, t -> onRunnerGone())
        .build();
  }

  private Behavior<Command> onStart(Start m) {
    if (current != null) {
      m.done().completeExceptionally(new IllegalStateException("a reused actor system runs one scenario at a time"));
      m.clean().complete(0);
      return this;
    }
    current = m;
    ActorRef<ScenarioRunner.Command> runner = getContext().spawn(
        ScenarioRunner.create(m.scenario(), m.trace(), m.done(), false, m.restoreConfig()), "run-" + (++runs));
    getContext().watch(runner);
    ActorRef<Command> self = getContext().getSelf();
    m.done().whenComplete((locks, failure) -> self.tell(new Ended(runner)));
    return this;
  }

  private Behavior<Command> onRunnerGone() {
    Start run = current;
    current = null;
    // a runner that threw (instead of completing done) leaves the caller a reason, not a wait
    run.done().completeExceptionally(new IllegalStateException(run.scenario().source()
        + ": the run's actor failed (LEASE_CR_LOG=WARN prints why on the console)"));
    // nothing may fire any more: what is still ready (the stopped actors' last messages) drains, then reset
    scheduler.setPaused(true);
    scheduler.whenIdle(() -> run.clean().complete(scheduler.resetForNextRun()));
    return this;
  }
}
