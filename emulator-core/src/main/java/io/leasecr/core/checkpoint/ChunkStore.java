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
 * The chunks of one commit: one persistence id per commit, written while the {@link CheckpointCoordinator}
 * persists the commit's marker. A classic persistent actor, because the typed API cannot delete
 * events: this one also deletes the chunks of deleted or replaced checkpoints, and chunks a crash left
 * without a marker.
 *
 * <p>It never replays its events (the coordinator reads chunks with a persistence query); a {@code next}
 * store starts by deleting whatever events its persistence id already holds (only the chunks of a
 * commit that crashed before its marker can be there), a {@code purge} store deletes the chunks of a
 * checkpoint that is gone, and a {@code probe} only reports the highest sequence number, which tells
 * whether a commit's chunks are all there. pekko-persistence-jdbc keeps the highest deleted row
 * (marked deleted) so that sequence numbers go on after it.
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

  private enum Role { NEXT, PURGE, PROBE }

  /**
   * The store the next commit writes to: says {@code StoreReady}, with the sequence number its chunks
   * will start at, once any stale chunks are deleted.
   */
  static Props next(long set, ActorRef<CheckpointCoordinator.Command> coordinator) {
    return Props.create(ChunkStore.class, () -> new ChunkStore(persistenceId(set), set, coordinator, Role.NEXT));
  }

  /** Deletes every chunk of {@code persistenceId} and says {@code Purged}; stops if it cannot. */
  static Props purge(String persistenceId, ActorRef<CheckpointCoordinator.Command> coordinator) {
    return Props.create(ChunkStore.class, () -> new ChunkStore(persistenceId, -1, coordinator, Role.PURGE));
  }

  /** Says {@code Probed} with the highest sequence number of chunk set {@code set}; touches nothing. */
  static Props probe(long set, ActorRef<CheckpointCoordinator.Command> coordinator) {
    return Props.create(ChunkStore.class, () -> new ChunkStore(persistenceId(set), set, coordinator, Role.PROBE));
  }

  private final String persistenceId;
  private final long set;
  private final ActorRef<CheckpointCoordinator.Command> coordinator;
  private final Role role;

  private ChunkStore(String persistenceId, long set, ActorRef<CheckpointCoordinator.Command> coordinator, Role role) {
    this.persistenceId = persistenceId;
    this.set = set;
    this.coordinator = coordinator;
    this.role = role;
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
      if (role == Role.PROBE) {
        coordinator.tell(new CheckpointCoordinator.Probed(set, lastSequenceNr())); // the coordinator stops it
      } else if (lastSequenceNr() > 0) {
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
    if (role == Role.PURGE && ok) {
      coordinator.tell(new CheckpointCoordinator.Purged(persistenceId)); // the coordinator stops it
    } else if (role == Role.PURGE) {
      getContext().stop(getSelf());
    } else {
      coordinator.tell(new CheckpointCoordinator.StoreReady(set, lastSequenceNr() + 1));
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
