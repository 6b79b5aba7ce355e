package io.leasecr.node.journal;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.time.TimeMode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.function.Function;

/**
 * The checkpoint journal outside a run, for the command line (list, delete, export, import). It runs
 * on real time: only an emulated tree needs virtual time, and asks must time out for real.
 */
public final class JournalClient implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final ActorSystem<Void> system;
  private final ActorRef<CheckpointCoordinator.Command> coordinator;

  public JournalClient(Journal journal) throws Exception {
    Behavior<Void> guardian = Behaviors.setup(ctx -> {
      EmulatedTime.clock(ctx.getSystem()).setPaused(false);
      return Behaviors.empty();
    });
    system = ActorSystem.create(guardian, "journal", journal.config().withFallback(EmulatorConfig.load(TimeMode.REAL, 1.0)));
    try {
      Journal.createSchema(system).toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("the checkpoint journal (" + journal.describe() + ") cannot be opened: "
          + Journal.reason(e), e);
    }
    CompletableFuture<CheckpointCoordinator.Listing> recovered = new CompletableFuture<>();
    Behavior<CheckpointCoordinator.Listing> readyProbe = Behaviors.receiveMessage(l -> {
      recovered.complete(l);
      return Behaviors.stopped();
    });
    ActorRef<CheckpointCoordinator.Listing> probe = system.systemActorOf(readyProbe, "ready", org.apache.pekko.actor.typed.Props.empty());
    coordinator = system.systemActorOf(CheckpointCoordinator.create(probe), "checkpoints",
        org.apache.pekko.actor.typed.Props.empty());
    try {
      recovered.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // the schema answered, the replay of the committed checkpoints did not: a database that stopped answering
      // mid-read, or one still held by a process that was killed (H2's file lock waits for it)
      close();
      throw new IllegalStateException("the checkpoint journal (" + journal.describe() + ") was opened but did not "
          + "finish reading its committed checkpoints within " + TIMEOUT.toSeconds() + " s; nothing was changed; "
          + "try again; if it persists, LEASE_CR_LOG=WARN prints why on the console", e);
    }
  }

  public <T> T ask(Function<ActorRef<T>, CheckpointCoordinator.Command> message) throws Exception {
    return AskPattern.ask(coordinator, message::apply, TIMEOUT, system.scheduler()).toCompletableFuture()
        .get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    Emulation.shutdown(system);
  }
}
