package io.leasecr.core.checkpoint;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Keeps the committed checkpoints in the event journal. A checkpoint counts only once its
 * {@link Committed} event is persisted: one journal row, written whole or not at all, so a crash
 * part-way leaves nothing a restart could take for valid.
 */
public final class CheckpointCoordinator
    extends EventSourcedBehavior<CheckpointCoordinator.Command, CheckpointCoordinator.Event, CheckpointCoordinator.State> {

  /**
   * Commit, Get and their answers have a wire form (the coordinator is a cluster singleton on cluster
   * nodes); ListAll, Delete and Listing stay local. Marked so that single-node runs with
   * serialize-messages on do not serialize the local ones.
   */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  public record Commit(String id, long takenAtMs, String scenario, byte[] image, ActorRef<Done> replyTo)
      implements Command {}

  public record ListAll(ActorRef<Listing> replyTo) implements Command {}

  public record Get(String id, ActorRef<Found> replyTo) implements Command {}

  public record Delete(String id, ActorRef<Done> replyTo) implements Command {}

  /** @param error null when it worked */
  public record Done(String id, String error) implements NoSerializationVerificationNeeded {}

  public record Entry(String id, long takenAtMs, String scenario, ByteString image) {}

  public record Listing(List<Entry> entries) implements NoSerializationVerificationNeeded {}

  /** @param entry null if there is no committed checkpoint with that id */
  public record Found(String id, Entry entry) implements NoSerializationVerificationNeeded {}

  /** Journal events: protobuf in the journal (checkpoint.proto), see WireSerializer. */
  public sealed interface Event {}

  public record Committed(String id, long takenAtMs, String scenario, ByteString image) implements Event {}

  public record Deleted(String id) implements Event {}

  /** Committed checkpoints in commit order. */
  public record State(Map<String, Entry> entries) {
    static State empty() {
      return new State(Collections.emptyMap());
    }

    State with(Entry e) {
      Map<String, Entry> m = new LinkedHashMap<>(entries);
      m.put(e.id(), e);
      return new State(Collections.unmodifiableMap(m));
    }

    State without(String id) {
      Map<String, Entry> m = new LinkedHashMap<>(entries);
      m.remove(id);
      return new State(Collections.unmodifiableMap(m));
    }
  }

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("lease-cr-checkpoints");

  /** {@code ready} hears once the journal has been replayed (virtual time waits for it). */
  public static Behavior<Command> create(ActorRef<Listing> ready) {
    return new CheckpointCoordinator(ready);
  }

  private final ActorRef<Listing> ready;

  private CheckpointCoordinator(ActorRef<Listing> ready) {
    super(PERSISTENCE_ID);
    this.ready = ready;
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (ready != null) {
            ready.tell(new Listing(List.copyOf(state.entries().values())));
          }
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        // committing an id again replaces it, like a new dump into the same images directory
        .onCommand(Commit.class, (state, c) ->
            Effect().persist(new Committed(c.id(), c.takenAtMs(), c.scenario(), ByteString.copyFrom(c.image())))
                .thenReply(c.replyTo(), s -> new Done(c.id(), null)))
        .onCommand(ListAll.class, (state, c) ->
            Effect().reply(c.replyTo(), new Listing(new ArrayList<>(state.entries().values()))))
        .onCommand(Get.class, (state, c) -> Effect().reply(c.replyTo(), new Found(c.id(), state.entries().get(c.id()))))
        .onCommand(Delete.class, (state, c) -> !state.entries().containsKey(c.id())
            ? Effect().none().thenReply(c.replyTo(), s -> new Done(c.id(), "no checkpoint " + c.id()))
            : Effect().persist(new Deleted(c.id())).thenReply(c.replyTo(), s -> new Done(c.id(), null)))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Committed.class, (state, e) -> state.with(new Entry(e.id(), e.takenAtMs(), e.scenario(), e.image())))
        .onEvent(Deleted.class, (state, e) -> state.without(e.id()))
        .build();
  }
}
