package io.leasecr.node.drill;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.node.cluster.CoordinatorSingleton;
import io.leasecr.node.journal.JournalClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;

/**
 * Where the drill commits and fetches checkpoints: on PostgreSQL, the nodes' coordinator singleton (the
 * driver only creates the schema); on the embedded H2 fallback, which one JVM at a time may open, a
 * coordinator in the driver itself.
 */
final class CoordinatorClient implements AutoCloseable {

  /** A singleton being handed over (its node was downed) answers once it has replayed the journal. */
  private static final Duration ASK = Duration.ofSeconds(30);

  private final ActorSystem<?> system;
  private final ActorRef<CheckpointCoordinator.Command> singleton;
  private final JournalClient local;
  private final String where;

  CoordinatorClient(ActorSystem<?> system, Journal journal) throws Exception {
    this.system = system;
    if (journal.postgres()) {
      new JournalClient(journal).close(); // creates the schema if missing
      this.singleton = CoordinatorSingleton.init(system);
      this.local = null;
      this.where = "the coordinator singleton on the nodes, journal " + journal.describe();
    } else {
      this.singleton = null;
      this.local = new JournalClient(journal);
      this.where = "a coordinator in the driver, journal " + journal.describe()
          + " (set LEASE_CR_PG_URL for the nodes' singleton on PostgreSQL)";
    }
  }

  String describe() {
    return where;
  }

  <T> T ask(Function<ActorRef<T>, CheckpointCoordinator.Command> message) throws Exception {
    if (local != null) {
      return local.ask(message);
    }
    try {
      return AskPattern.<CheckpointCoordinator.Command, T>ask(singleton, message::apply, ASK, system.scheduler())
          .toCompletableFuture().get(ASK.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new DrillFailure("the checkpoint coordinator (the cluster singleton on the oldest node) did not answer "
          + "within " + ASK.toMillis() + " ms", e);
    }
  }

  @Override
  public void close() {
    if (local != null) {
      local.close();
    }
  }
}
