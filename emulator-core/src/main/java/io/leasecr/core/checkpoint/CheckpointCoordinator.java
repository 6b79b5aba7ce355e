package io.leasecr.core.checkpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Keeps the committed checkpoints in the event journal: the listing (this entity, persistence id
 * {@code lease-cr-checkpoints}) holds one small marker per checkpoint; the image itself is in chunk
 * events of a persistence id of its own ({@link ChunkStore}), written in one batch before the marker.
 * A checkpoint counts only once its marker is persisted, so a crash part-way leaves nothing a restart
 * could take for valid; chunks a crash left without a marker are deleted when the coordinator next
 * starts. {@link Get} reads the chunks back with a persistence query and checks length and CRC32.
 * Recovery replays only markers, so memory stays small however many checkpoints the journal holds
 * (except checkpoints of the first format, one event holding the whole image: still listed and
 * restored, and kept in memory as before).
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

  /** From the next commit's chunk store: it is recovered and holds no stale chunk. */
  record StoreReady(long set) implements Command {}

  /** From the chunk store: the commit's chunks are persisted. */
  record ChunksWritten(long set, String persistenceId, long firstSequenceNr, int count) implements Command {}

  /** From a purging chunk store: the chunks of that persistence id are deleted. */
  record Purged(String persistenceId) implements Command {}

  private record StoreStopped(long set) implements Command {}

  private record PurgeStopped(String persistenceId) implements Command {}

  private record ChunksRead(Get get, Stored stored, Assembly assembly, Throwable failure) implements Command {}

  /** @param error null when it worked */
  public record Done(String id, String error) implements NoSerializationVerificationNeeded {}

  /**
   * A committed checkpoint. {@code size} is the length of its serialized image, {@code chunks} the
   * number of chunk events (0: the first format, one event). {@code image} is only set in {@link Found}.
   */
  public record Entry(String id, long takenAtMs, String scenario, long size, int chunks, ByteString image) {}

  public record Listing(List<Entry> entries) implements NoSerializationVerificationNeeded {}

  /**
   * @param entry null if there is no committed checkpoint with that id, or if it cannot be read
   * @param error why a committed checkpoint cannot be read (a chunk missing, a CRC32 mismatch), or null
   */
  public record Found(String id, Entry entry, String error) implements NoSerializationVerificationNeeded {}

  /** Journal events: protobuf in the journal (checkpoint.proto), see WireSerializer. */
  public sealed interface Event {}

  /** The first format: the whole image in one event. Still read; no longer written. */
  public record Committed(String id, long takenAtMs, String scenario, ByteString image) implements Event {}

  /** The commit of a checkpoint whose image is in {@code chunkCount} chunk events (checkpoint.proto). */
  public record Marker(String id, long takenAtMs, String scenario, long size, int chunkCount, int crc32,
      long chunkSet, String chunksPersistenceId, long firstSequenceNr) implements Event {}

  public record Deleted(String id) implements Event {}

  public record ChunksPurged(List<String> persistenceIds) implements Event {}

  private record Stored(Entry entry, ByteString legacyImage, Marker marker) {}

  /**
   * Committed checkpoints in commit order, the chunk stores left to delete, and the next commit's
   * chunk set. Mutable (O(1) per replayed event); never leaves the actor: listings are copies.
   */
  public static final class State {
    private final Map<String, Stored> entries = new LinkedHashMap<>();
    private final Set<String> garbage = new LinkedHashSet<>();
    private long nextSet = 1;

    private State put(Stored s) {
      drop(entries.put(s.entry().id(), s));
      return this;
    }

    private State remove(String id) {
      drop(entries.remove(id));
      return this;
    }

    private void drop(Stored old) {
      if (old != null && old.marker() != null) {
        garbage.add(old.marker().chunksPersistenceId());
      }
    }

    private List<Entry> listing() {
      return entries.values().stream().map(Stored::entry).toList();
    }
  }

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("lease-cr-checkpoints");

  /** {@code ready} hears once the journal has been replayed (virtual time waits for it). */
  public static Behavior<Command> create(ActorRef<Listing> ready) {
    return Behaviors.setup(ctx -> new CheckpointCoordinator(ctx, ready));
  }

  private final ActorContext<Command> ctx;
  private final ActorRef<Listing> ready;
  private final int chunkBytes;
  /** Test hook: the commit of this id stops after its chunks, before its marker (a crash comes next). */
  private final String pauseBeforeMarker;

  // not state: what this incarnation is doing with its chunk stores
  private org.apache.pekko.actor.ActorRef nextStore;
  private long storeSet;
  private boolean storeReady;
  private boolean announced;
  private InFlight inFlight;
  private final Map<String, org.apache.pekko.actor.ActorRef> purging = new HashMap<>();
  private JdbcReadJournal readJournal;

  /** The commit being written; it is done once its marker is persisted and the next store is ready. */
  private static final class InFlight {
    final Commit commit;
    final int crc32;
    boolean committed;

    InFlight(Commit commit, int crc32) {
      this.commit = commit;
      this.crc32 = crc32;
    }
  }

  private CheckpointCoordinator(ActorContext<Command> ctx, ActorRef<Listing> ready) {
    super(PERSISTENCE_ID);
    this.ctx = ctx;
    this.ready = ready;
    Config config = ctx.getSystem().settings().config();
    long bytes = config.hasPath("lease-cr.checkpoint.chunk-bytes")
        ? config.getBytes("lease-cr.checkpoint.chunk-bytes") : 512 * 1024;
    if (bytes < 1 || bytes > 64L * 1024 * 1024) {
      throw new IllegalArgumentException("lease-cr.checkpoint.chunk-bytes must be 1 B to 64 MiB, got " + bytes);
    }
    this.chunkBytes = (int) bytes;
    this.pauseBeforeMarker = config.hasPath("lease-cr.checkpoint.pause-before-marker")
        ? config.getString("lease-cr.checkpoint.pause-before-marker") : "";
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // the listing is announced once stale chunks are deleted: while the clock is still paused
          startNextStore(state.nextSet);
          purgeGarbage(state);
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Commit.class, this::onCommit)
        .onCommand(ChunksWritten.class, this::onChunksWritten)
        .onCommand(StoreReady.class, this::onStoreReady)
        .onCommand(StoreStopped.class, this::onStoreStopped)
        .onCommand(ListAll.class, (state, c) -> Effect().reply(c.replyTo(), new Listing(state.listing())))
        .onCommand(Get.class, this::onGet)
        .onCommand(ChunksRead.class, this::onChunksRead)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Purged.class, (state, p) -> Effect().persist(new ChunksPurged(List.of(p.persistenceId())))
            .thenRun(s -> {
              org.apache.pekko.actor.ActorRef store = purging.remove(p.persistenceId());
              if (store != null) {
                Adapter.toClassic(ctx).stop(store);
              }
              announceIfReady(s);
            }))
        .onCommand(PurgeStopped.class, (state, p) -> {
          purging.remove(p.persistenceId()); // failed (logged): still garbage, tried again at the next start
          return announceIfReady(state);
        })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Committed.class, (state, e) -> state.put(new Stored(
            new Entry(e.id(), e.takenAtMs(), e.scenario(), e.image().size(), 0, null), e.image(), null)))
        .onEvent(Marker.class, (state, e) -> {
          state.nextSet = Math.max(state.nextSet, e.chunkSet() + 1);
          return state.put(new Stored(new Entry(e.id(), e.takenAtMs(), e.scenario(), e.size(), e.chunkCount(), null),
              null, e));
        })
        .onEvent(Deleted.class, (state, e) -> state.remove(e.id()))
        .onEvent(ChunksPurged.class, (state, e) -> {
          e.persistenceIds().forEach(state.garbage::remove);
          return state;
        })
        .build();
  }

  // ---------------------------------------------------------------- commit: chunks, then the marker

  private Effect<Event, State> onCommit(State state, Commit c) {
    if (inFlight != null || !storeReady) {
      return Effect().stash(); // one commit at a time, into the store that is ready for it
    }
    byte[] image = c.image();
    CRC32 crc = new CRC32();
    crc.update(image);
    ByteString all = UnsafeByteOperations.unsafeWrap(image); // chunks are views, not copies
    List<ByteString> chunks = new ArrayList<>(image.length / chunkBytes + 1);
    for (int off = 0; off < image.length || chunks.isEmpty(); off += chunkBytes) {
      chunks.add(all.substring(off, Math.min(image.length, off + chunkBytes)));
    }
    inFlight = new InFlight(c, (int) crc.getValue());
    nextStore.tell(new ChunkStore.Write(chunks), org.apache.pekko.actor.ActorRef.noSender());
    return Effect().none();
  }

  private Effect<Event, State> onChunksWritten(State state, ChunksWritten w) {
    if (inFlight == null || w.set() != storeSet || nextStore == null) {
      return Effect().none();
    }
    // stopped here, not by itself: its Terminated could otherwise overtake this message
    Adapter.toClassic(ctx).stop(nextStore);
    nextStore = null;
    Commit c = inFlight.commit;
    if (c.id().equals(pauseBeforeMarker)) {
      System.err.println("checkpoint " + c.id() + ": " + w.count() + " chunk(s) written to " + w.persistenceId()
          + "; pausing before its marker (lease-cr.checkpoint.pause-before-marker)");
      System.err.flush();
      return Effect().none(); // stays in flight: the test kills the JVM here
    }
    Marker m = new Marker(c.id(), c.takenAtMs(), c.scenario(), c.image().length, w.count(), inFlight.crc32,
        w.set(), w.persistenceId(), w.firstSequenceNr());
    // the next commit's store recovers while the marker is written, and before the reply: see startNextStore
    startNextStore(w.set() + 1);
    return Effect().persist(m).thenRun(s -> inFlight.committed = true).thenRun(s -> finishCommit())
        .thenUnstashAll();
  }

  /** Replies to the commit once both its marker is persisted and the next store is ready. */
  private void finishCommit() {
    if (inFlight != null && inFlight.committed && storeReady) {
      Commit c = inFlight.commit;
      inFlight = null;
      c.replyTo().tell(new Done(c.id(), null));
    }
  }

  /**
   * No journal work may run in the background of an emulated run: virtual time would jump ahead while
   * JDBC works on other threads, and fire the store's recovery time-out. So the next store is started
   * at start-up, before the listing is announced, and after a commit's chunks, before the commit's reply:
   * both while the run's clock is paused.
   */
  private void startNextStore(long set) {
    storeReady = false;
    storeSet = set;
    nextStore = Adapter.actorOf(ctx, ChunkStore.next(storeSet, ctx.getSelf()), "chunks-" + storeSet);
    ctx.watchWith(Adapter.toTyped(nextStore), new StoreStopped(storeSet));
  }

  private Effect<Event, State> onStoreReady(State state, StoreReady r) {
    if (r.set() != storeSet) {
      return Effect().none();
    }
    storeReady = true;
    announceIfReady(state);
    finishCommit();
    return Effect().none().thenUnstashAll();
  }

  /** Tells {@code ready} the listing once the start-up clean-up is done. */
  private Effect<Event, State> announceIfReady(State state) {
    if (!announced && storeReady && purging.isEmpty()) {
      announced = true;
      if (ready != null) {
        ready.tell(new Listing(state.listing()));
      }
    }
    return Effect().none();
  }

  /** The next store stopped before it wrote: the journal failed (logged). Like a failed persist, stop. */
  private Effect<Event, State> onStoreStopped(State state, StoreStopped s) {
    if (nextStore == null || s.set() != storeSet) {
      return Effect().none(); // a store that wrote its chunks and stopped, as it should
    }
    if (inFlight != null) {
      Commit c = inFlight.commit;
      c.replyTo().tell(new Done(c.id(), inFlight.committed ? null
          : "the journal failed while writing the chunks of checkpoint " + c.id() + " (see the log)"));
    }
    return Effect().stop();
  }

  // ---------------------------------------------------------------- get: read the chunks back, check them

  private Effect<Event, State> onGet(State state, Get g) {
    Stored s = state.entries.get(g.id());
    if (s == null) {
      return Effect().reply(g.replyTo(), new Found(g.id(), null, null));
    }
    if (s.marker() == null) {
      return Effect().reply(g.replyTo(), new Found(g.id(), withImage(s.entry(), s.legacyImage()), null));
    }
    Marker m = s.marker();
    if (readJournal == null) {
      readJournal = PersistenceQuery.get(Adapter.toClassic(ctx.getSystem()))
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    }
    Assembly assembly = new Assembly(m);
    ctx.pipeToSelf(readJournal.currentEventsByPersistenceId(m.chunksPersistenceId(), m.firstSequenceNr(),
            m.firstSequenceNr() + m.chunkCount() - 1)
        .runWith(Sink.fold(assembly, Assembly::add), Materializer.matFromSystem(ctx.getSystem())),
        (a, failure) -> new ChunksRead(g, s, assembly, failure));
    return Effect().none();
  }

  private Effect<Event, State> onChunksRead(State state, ChunksRead r) {
    String id = r.get().id();
    String problem = r.failure() != null ? r.failure().getMessage() : r.assembly().problem();
    if (problem != null) {
      return Effect().reply(r.get().replyTo(), new Found(id, null,
          "checkpoint " + id + " cannot be restored from the journal: " + problem));
    }
    return Effect().reply(r.get().replyTo(),
        new Found(id, withImage(r.stored().entry(), UnsafeByteOperations.unsafeWrap(r.assembly().bytes)), null));
  }

  private static Entry withImage(Entry e, ByteString image) {
    return new Entry(e.id(), e.takenAtMs(), e.scenario(), e.size(), e.chunks(), image);
  }

  /** The chunks of one checkpoint put back together, in sequence-number order, then checked whole. */
  private static final class Assembly {
    private final Marker marker;
    private final byte[] bytes;
    private int offset;
    private int count;

    Assembly(Marker marker) {
      this.marker = marker;
      this.bytes = new byte[Math.toIntExact(marker.size())];
    }

    Assembly add(EventEnvelope e) {
      long expected = marker.firstSequenceNr() + count;
      if (e.sequenceNr() != expected || !(e.event() instanceof ChunkStore.Chunk c)) {
        throw new IllegalStateException("chunk " + (count + 1) + " of " + marker.chunkCount() + " is missing (event "
            + expected + " of " + marker.chunksPersistenceId() + ")");
      }
      if (c.data().size() > bytes.length - offset) {
        throw new IllegalStateException("its chunks hold more than the " + bytes.length + " bytes its marker says");
      }
      c.data().copyTo(bytes, offset);
      offset += c.data().size();
      count++;
      return this;
    }

    /** Why the bytes are not the image the marker committed, or null. */
    String problem() {
      if (count != marker.chunkCount()) {
        return "only " + count + " of its " + marker.chunkCount() + " chunks are in the journal ("
            + marker.chunksPersistenceId() + ")";
      }
      if (offset != bytes.length) {
        return "its chunks hold " + offset + " bytes, its marker says " + bytes.length;
      }
      CRC32 crc = new CRC32();
      crc.update(bytes);
      if ((int) crc.getValue() != marker.crc32()) {
        return String.format("its chunks are damaged: CRC32 %08x, the marker says %08x", (int) crc.getValue(),
            marker.crc32());
      }
      return null;
    }
  }

  // ---------------------------------------------------------------- delete, and the chunks that go with it

  private Effect<Event, State> onDelete(State state, Delete d) {
    if (inFlight != null) {
      return Effect().stash();
    }
    if (!state.entries.containsKey(d.id())) {
      return Effect().none().thenReply(d.replyTo(), s -> new Done(d.id(), "no checkpoint " + d.id()));
    }
    // its chunks are deleted the next time a coordinator starts (see startNextStore for why not now)
    return Effect().persist(new Deleted(d.id())).thenReply(d.replyTo(), s -> new Done(d.id(), null));
  }

  /**
   * At start-up: deletes the chunks of checkpoints deleted or replaced since the last start. Each purge
   * is recorded; one cut short stays garbage and is done again at the next start.
   */
  private void purgeGarbage(State state) {
    for (String pid : state.garbage) {
      if (!purging.containsKey(pid)) {
        org.apache.pekko.actor.ActorRef store = Adapter.actorOf(ctx, ChunkStore.purge(pid, ctx.getSelf()));
        purging.put(pid, store);
        ctx.watchWith(Adapter.toTyped(store), new PurgeStopped(pid));
      }
    }
  }
}
