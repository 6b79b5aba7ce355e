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
  /** What crosses the cluster in one message, at most (Artery's maximum-frame-size is 2 MiB on drill nodes). */
  static final int PART = 1 << 20;

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

  /**
   * Commits an image. One bigger than {@link #PART} goes to the singleton in parts of that size, in order (an
   * Artery frame is at most 2 MiB here; a 100k-process image is about 6.6 MB), and the keeper in front of the
   * coordinator puts them together; the answer is the coordinator's, as for one message.
   */
  CheckpointCoordinator.Done commit(String id, long takenAtMs, String scenario, byte[] image) throws Exception {
    if (local != null || image.length <= PART) {
      return ask(r -> new CheckpointCoordinator.Commit(id, takenAtMs, scenario, image, r));
    }
    int count = (image.length + PART - 1) / PART;
    for (int i = 0; i < count - 1; i++) {
      singleton.tell(new CheckpointCoordinator.CommitPart(id, takenAtMs, scenario, i, count,
          java.util.Arrays.copyOfRange(image, i * PART, (i + 1) * PART), null));
    }
    byte[] last = java.util.Arrays.copyOfRange(image, (count - 1) * PART, image.length);
    return ask(r -> new CheckpointCoordinator.CommitPart(id, takenAtMs, scenario, count - 1, count, last, r));
  }

  /** Fetches a committed checkpoint; across nodes in parts of {@link #PART} bytes (asked for one after another). */
  CheckpointCoordinator.Found get(String id) throws Exception {
    if (local != null) {
      return ask(to -> new CheckpointCoordinator.Get(id, to));
    }
    CheckpointCoordinator.Found first = ask(to -> new CheckpointCoordinator.Get(id, 0, PART, to));
    CheckpointCoordinator.Entry e = first.entry();
    if (e == null || e.image() == null) {
      return first;
    }
    com.google.protobuf.ByteString image = e.image();
    while (image.size() < e.size()) {
      long offset = image.size();
      CheckpointCoordinator.Found next = ask(to -> new CheckpointCoordinator.Get(id, offset, PART, to));
      if (next.entry() == null || next.entry().image() == null || next.entry().image().isEmpty()) {
        return next.error() != null ? next : new CheckpointCoordinator.Found(id, null, "checkpoint " + id
            + " came back short: " + offset + " of " + e.size() + " bytes");
      }
      image = image.concat(next.entry().image());
    }
    return new CheckpointCoordinator.Found(id, new CheckpointCoordinator.Entry(e.id(), e.takenAtMs(), e.scenario(),
        e.size(), e.chunks(), image), null);
  }

  @Override
  public void close() {
    if (local != null) {
      local.close();
    }
  }
}
