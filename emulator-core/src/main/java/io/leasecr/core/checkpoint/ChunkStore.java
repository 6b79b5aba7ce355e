package io.leasecr.core.checkpoint;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.DeleteMessagesFailure;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.Recovery;
import org.apache.pekko.persistence.RecoveryCompleted;

/**
 * The chunks of one commit: one persistence id per commit, written by the {@link CheckpointCoordinator}
 * before it persists the commit's marker. A classic persistent actor, because the typed API cannot
 * delete events: this one also deletes the chunks of deleted or replaced checkpoints, and chunks a
 * crash left without a marker.
 *
 * <p>It never replays its events (the coordinator reads chunks with a persistence query); it starts
 * by deleting whatever events its persistence id already holds: in a {@code next} store those can
 * only be the chunks of a commit that crashed before its marker, in a {@code purge} store they are the
 * chunks of a checkpoint that is gone. pekko-persistence-jdbc keeps the highest deleted row (marked
 * deleted) so that sequence numbers go on after it.
 */
public final class ChunkStore extends AbstractPersistentActor {

  /** The journal event: one piece of a serialized checkpoint image (protobuf {@code CheckpointChunk}). */
  public record Chunk(ByteString data) {}

  /** Persist these chunks, in order, in one atomic batch (then the coordinator stops the store). */
  record Write(List<ByteString> chunks) implements NoSerializationVerificationNeeded {}

  /** Persistence ids are {@code lease-cr-checkpoint-chunks|N}, N being the commit's chunk set. */
  static String persistenceId(long set) {
    return "lease-cr-checkpoint-chunks|" + set;
  }

  /** The store the next commit writes to: says {@code Ready} once any stale chunks are deleted. */
  static Props next(long set, ActorRef<CheckpointCoordinator.Command> coordinator) {
    return Props.create(ChunkStore.class, () -> new ChunkStore(persistenceId(set), set, coordinator, false));
  }

  /** Deletes every chunk of {@code persistenceId} and says {@code Purged}; stops if it cannot. */
  static Props purge(String persistenceId, ActorRef<CheckpointCoordinator.Command> coordinator) {
    return Props.create(ChunkStore.class, () -> new ChunkStore(persistenceId, -1, coordinator, true));
  }

  private final String persistenceId;
  private final long set;
  private final ActorRef<CheckpointCoordinator.Command> coordinator;
  private final boolean purge;

  private ChunkStore(String persistenceId, long set, ActorRef<CheckpointCoordinator.Command> coordinator,
      boolean purge) {
    this.persistenceId = persistenceId;
    this.set = set;
    this.coordinator = coordinator;
    this.purge = purge;
  }

  @Override
  public String persistenceId() {
    return persistenceId;
  }

  @Override
  public Recovery recovery() {
    return Recovery.none(); // nothing to replay: only the highest sequence number is read
  }

  @Override
  public Receive createReceiveRecover() {
    return receiveBuilder().match(RecoveryCompleted.class, r -> {
      if (lastSequenceNr() > 0) {
        deleteMessages(lastSequenceNr());
      } else {
        cleaned(true);
      }
    }).build();
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(DeleteMessagesSuccess.class, d -> cleaned(true))
        .match(DeleteMessagesFailure.class, d -> {
          getContext().getSystem().log().warning("cannot delete the checkpoint chunks of {}: {}", persistenceId,
              d.cause().getMessage());
          cleaned(false); // stale chunks of a next store are harmless: the marker names the new ones
        })
        .match(Write.class, this::write)
        .build();
  }

  private void cleaned(boolean ok) {
    if (purge && ok) {
      coordinator.tell(new CheckpointCoordinator.Purged(persistenceId)); // the coordinator stops it
    } else if (purge) {
      getContext().stop(getSelf());
    } else {
      coordinator.tell(new CheckpointCoordinator.StoreReady(set));
    }
  }

  private void write(Write w) {
    long first = lastSequenceNr() + 1;
    List<Chunk> events = new ArrayList<>(w.chunks().size());
    for (ByteString c : w.chunks()) {
      events.add(new Chunk(c));
    }
    int[] left = {events.size()};
    persistAll(events, e -> {
      if (--left[0] == 0) {
        coordinator.tell(new CheckpointCoordinator.ChunksWritten(set, persistenceId, first, events.size()));
      }
    });
  }
}
