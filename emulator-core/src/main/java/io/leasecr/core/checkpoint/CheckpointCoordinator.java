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
 * events of a persistence id of its own ({@link ChunkStore}), written in one batch while the marker is
 * persisted: two transactions at once, not one after the other. A checkpoint counts only once both
 * are persisted, so a crash part-way leaves nothing a restart could take for valid: chunks a crash
 * left without a marker are deleted when the coordinator next starts, and a marker a crash left
 * without its chunks (only the last marker can be one: commits go one at a time) is rolled back then,
 * before anything is listed, bringing back the checkpoint it replaced if it replaced one.
 * {@link Get} reads the chunks back with a persistence query and checks length and CRC32.
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

  /** From the next commit's chunk store: it is recovered, holds no stale chunk, and writes from {@code nextSequenceNr}. */
  record StoreReady(long set, long nextSequenceNr) implements Command {}

  /** From a probe at start-up: the highest sequence number chunk set {@code set} holds. */
  record Probed(long set, long highestSequenceNr) implements Command {}

  /** From the chunk store: the commit's chunks are persisted. */
  record ChunksWritten(long set, String persistenceId, long firstSequenceNr, int count) implements Command {}

  /** From a purging chunk store: the chunks of that persistence id are deleted. */
  record Purged(String persistenceId) implements Command {}

  private record StoreStopped(long set) implements Command {}

  private record PurgeStopped(String persistenceId) implements Command {}

  private record ProbeStopped(long set) implements Command {}

  private record StopAfterFailure() implements Command {}

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

  /** The last marker's chunks were never written (a crash between them): it does not count. */
  public record RolledBack(String id) implements Event {}

  private record Stored(Entry entry, ByteString legacyImage, Marker marker) {}

  /**
   * Committed checkpoints in commit order, the chunk stores left to delete, and the next commit's
   * chunk set; the last marker, which start-up checks, and what it replaced. Mutable (O(1) per replayed
   * event); never leaves the actor: listings are copies.
   */
  public static final class State {
    private final Map<String, Stored> entries = new LinkedHashMap<>();
    private final Set<String> garbage = new LinkedHashSet<>();
    private long nextSet = 1;
    private Marker lastMarker;
    private Stored replacedByLast;

    private State put(Stored s) {
      Stored old = entries.put(s.entry().id(), s);
      lastMarker = s.marker();
      replacedByLast = old;
      drop(old);
      return this;
    }

    /** The last marker, if it is still listed: its chunks may be missing after a crash. */
    private Marker unchecked() {
      Stored s = lastMarker == null ? null : entries.get(lastMarker.id());
      return s != null && s.marker() == lastMarker ? lastMarker : null;
    }

    /** Chunks gone for good: no longer garbage, and the checkpoint they held can no longer come back. */
    private State purged(List<String> persistenceIds) {
      persistenceIds.forEach(garbage::remove);
      if (replacedByLast != null && replacedByLast.marker() != null
          && persistenceIds.contains(replacedByLast.marker().chunksPersistenceId())) {
        replacedByLast = null;
      }
      return this;
    }

    private State rollBack(String id) {
      Marker m = unchecked();
      if (m == null || !m.id().equals(id)) {
        return this; // nothing to roll back
      }
      entries.remove(id);
      garbage.add(m.chunksPersistenceId()); // nothing there, or it would not be rolled back: purged anyway
      if (replacedByLast != null) {
        entries.put(id, replacedByLast);
        if (replacedByLast.marker() != null) {
          garbage.remove(replacedByLast.marker().chunksPersistenceId());
        }
      }
      lastMarker = null;
      replacedByLast = null;
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
  /** Test hooks: the commit of this id writes only its chunks, or only its marker (a crash comes next). */
  private final String pauseBeforeMarker;
  private final String pauseBeforeChunks;

  // not state: what this incarnation is doing with its chunk stores
  private org.apache.pekko.actor.ActorRef nextStore;
  private long storeSet;
  private long storeNextSequenceNr;
  private boolean storeReady;
  private boolean nextStoreFailed;
  private boolean checked;
  private org.apache.pekko.actor.ActorRef probe;
  private boolean announced;
  private InFlight inFlight;
  private final Map<String, org.apache.pekko.actor.ActorRef> purging = new HashMap<>();
  private JdbcReadJournal readJournal;

  /**
   * The commit being written: its marker persisting, its chunks being written by {@code store}. It is
   * committed once both are; it is answered once the next commit's store is ready too.
   */
  private static final class InFlight {
    final Commit commit;
    final Marker marker;
    final org.apache.pekko.actor.ActorRef store;
    boolean markerWritten;
    boolean chunksWritten;

    InFlight(Commit commit, Marker marker, org.apache.pekko.actor.ActorRef store) {
      this.commit = commit;
      this.marker = marker;
      this.store = store;
    }

    boolean committed() {
      return markerWritten && chunksWritten;
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
    this.pauseBeforeChunks = config.hasPath("lease-cr.checkpoint.pause-before-chunks")
        ? config.getString("lease-cr.checkpoint.pause-before-chunks") : "";
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // the listing is announced once the last marker is checked and stale chunks are deleted:
          // while the clock is still paused
          Marker last = state.unchecked();
          if (last == null) {
            startUp(state);
          } else {
            probe = Adapter.actorOf(ctx, ChunkStore.probe(last.chunkSet(), ctx.getSelf()), "probe-" + last.chunkSet());
            ctx.watchWith(Adapter.toTyped(probe), new ProbeStopped(last.chunkSet()));
          }
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
        .onCommand(Probed.class, this::onProbed)
        .onCommand(StopAfterFailure.class, (state, f) -> Effect().stop())
        .onCommand(ProbeStopped.class, this::onProbeStopped)
        .onCommand(ListAll.class, (state, c) -> busy() ? Effect().stash()
            : Effect().reply(c.replyTo(), new Listing(state.listing())))
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
        .onEvent(RolledBack.class, (state, e) -> state.rollBack(e.id()))
        .onEvent(Marker.class, (state, e) -> {
          state.nextSet = Math.max(state.nextSet, e.chunkSet() + 1);
          return state.put(new Stored(new Entry(e.id(), e.takenAtMs(), e.scenario(), e.size(), e.chunkCount(), null),
              null, e));
        })
        .onEvent(Deleted.class, (state, e) -> state.remove(e.id()))
        .onEvent(ChunksPurged.class, (state, e) -> state.purged(e.persistenceIds()))
        .build();
  }

  // ---------------------------------------------------------------- start-up: check the last marker

  /** The chunks of the last marker are all there, or it is rolled back before anything is listed. */
  private Effect<Event, State> onProbed(State state, Probed p) {
    Marker last = state.unchecked();
    if (probe == null || last == null || last.chunkSet() != p.set()) {
      return Effect().none();
    }
    stopAnswered(probe);
    probe = null;
    if (p.highestSequenceNr() >= last.firstSequenceNr() + last.chunkCount() - 1) {
      startUp(state);
      return Effect().none();
    }
    ctx.getLog().warn("checkpoint {}: its marker is in the journal but none of its chunks is (a crash between the"
        + " two writes, or rows deleted by hand): rolled back{}", last.id(),
        state.replacedByLast != null ? " to the checkpoint it replaced" : "");
    return Effect().persist(new RolledBack(last.id())).thenRun(this::startUp);
  }

  /** The probe stopped before it answered: the journal cannot be read. Like a failed recovery, stop. */
  private Effect<Event, State> onProbeStopped(State state, ProbeStopped p) {
    return checked ? Effect().none() : Effect().stop();
  }

  private void startUp(State state) {
    checked = true;
    startNextStore(state.nextSet);
    purgeGarbage(state);
    announceIfReady(state);
  }

  // ---------------------------------------------------------------- commit: marker and chunks at once

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
    long set = storeSet;
    Marker m = new Marker(c.id(), c.takenAtMs(), c.scenario(), image.length, chunks.size(), (int) crc.getValue(),
        set, ChunkStore.persistenceId(set), storeNextSequenceNr);
    inFlight = new InFlight(c, m, nextStore);
    if (!pauseBeforeChunks.isEmpty() && c.id().equals(pauseBeforeChunks)) {
      return Effect().persist(m).thenRun(s -> {
        System.err.println("checkpoint " + c.id() + ": its marker is written, its " + chunks.size() + " chunk(s) to "
            + m.chunksPersistenceId() + " are not; pausing before its chunks (lease-cr.checkpoint.pause-before-chunks)");
        System.err.flush(); // stays in flight: the test kills the JVM here
      });
    }
    nextStore.tell(new ChunkStore.Write(chunks), org.apache.pekko.actor.ActorRef.noSender());
    // the next commit's store recovers meanwhile, and before the reply: see startNextStore
    startNextStore(set + 1);
    if (!pauseBeforeMarker.isEmpty() && c.id().equals(pauseBeforeMarker)) {
      return Effect().none(); // the marker waits for ever: see onChunksWritten
    }
    return Effect().persist(m).thenRun(s -> inFlight.markerWritten = true).thenRun(s -> finishCommit())
        .thenUnstashAll();
  }

  private Effect<Event, State> onChunksWritten(State state, ChunksWritten w) {
    if (inFlight == null || w.set() != inFlight.marker.chunkSet()) {
      return Effect().none();
    }
    stopAnswered(inFlight.store);
    Marker m = inFlight.marker;
    if (w.firstSequenceNr() != m.firstSequenceNr() || w.count() != m.chunkCount()) {
      // another writer on this chunk set: the marker names rows that are not these; never answer success
      String why = "the chunks of checkpoint " + m.id() + " went to events " + w.firstSequenceNr() + ".. of "
          + w.persistenceId() + ", its marker says " + m.firstSequenceNr() + " (is another coordinator writing"
          + " to this journal?)";
      ctx.getLog().error(why);
      inFlight.commit.replyTo().tell(new Done(m.id(), why));
      boolean markerWritten = inFlight.markerWritten;
      inFlight = null;
      return markerWritten ? Effect().persist(new RolledBack(m.id())).thenStop() : Effect().stop();
    }
    inFlight.chunksWritten = true;
    if (!pauseBeforeMarker.isEmpty() && m.id().equals(pauseBeforeMarker)) {
      System.err.println("checkpoint " + m.id() + ": " + w.count() + " chunk(s) written to " + w.persistenceId()
          + "; pausing before its marker (lease-cr.checkpoint.pause-before-marker)");
      System.err.flush();
      return Effect().none(); // stays in flight: the test kills the JVM here
    }
    return finishCommit() ? Effect().none().thenUnstashAll() : Effect().none();
  }

  /**
   * Stops a chunk store that has answered. Stopped here, not by itself: its Terminated could otherwise
   * overtake the answer; unwatched, so that its stop is not taken for a failure.
   */
  private void stopAnswered(org.apache.pekko.actor.ActorRef store) {
    ctx.unwatch(Adapter.toTyped(store));
    Adapter.toClassic(ctx).stop(store);
  }

  /**
   * Not answering ListAll, Get and Delete: before the last marker is checked, and while a commit is in
   * flight (its marker may be persisted before its chunks, and may yet be rolled back).
   */
  private boolean busy() {
    return !checked || inFlight != null;
  }

  /**
   * Replies to the commit once its marker and chunks are persisted and the next store is ready, or has
   * failed: then the commit is answered as what it is, committed, and the coordinator stops.
   */
  private boolean finishCommit() {
    if (inFlight != null && inFlight.committed() && (storeReady || nextStoreFailed)) {
      Commit c = inFlight.commit;
      inFlight = null;
      c.replyTo().tell(new Done(c.id(), null));
      if (nextStoreFailed) {
        ctx.getSelf().tell(new StopAfterFailure());
      }
      return true;
    }
    return false;
  }

  /**
   * No journal work may run in the background of an emulated run: virtual time would jump ahead while
   * JDBC works on other threads, and fire the store's recovery time-out. So the next store is started
   * at start-up, before the listing is announced, and with a commit, before the commit's reply: both
   * while the run's clock is paused.
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
    storeNextSequenceNr = r.nextSequenceNr();
    announceIfReady(state);
    finishCommit();
    return Effect().none().thenUnstashAll();
  }

  /** Tells {@code ready} the listing once the start-up clean-up is done. */
  private Effect<Event, State> announceIfReady(State state) {
    if (!announced && checked && storeReady && purging.isEmpty()) {
      announced = true;
      if (ready != null) {
        ready.tell(new Listing(state.listing()));
      }
    }
    return Effect().none();
  }

  /**
   * A chunk store stopped by itself: the journal failed (logged) while it recovered or wrote. Like a
   * failed persist, stop; a marker already persisted without its chunks is rolled back at the next start.
   * If it is the next commit's store and a commit is in flight, that commit's own writes go on: it is
   * answered as what it turns out to be, then the coordinator stops (see finishCommit).
   */
  private Effect<Event, State> onStoreStopped(State state, StoreStopped s) {
    boolean writing = inFlight != null && s.set() == inFlight.marker.chunkSet() && !inFlight.chunksWritten;
    if (!writing && s.set() != storeSet) {
      return Effect().none(); // a store that wrote its chunks and was stopped, as it should be
    }
    if (!writing && inFlight != null) {
      nextStoreFailed = true;
      return finishCommit() ? Effect().none().thenUnstashAll() : Effect().none();
    }
    if (inFlight != null) {
      Commit c = inFlight.commit;
      c.replyTo().tell(new Done(c.id(), "the journal failed while writing the chunks of checkpoint " + c.id()
          + " (see the log); it is not committed"));
    }
    return Effect().stop();
  }

  // ---------------------------------------------------------------- get: read the chunks back, check them

  private Effect<Event, State> onGet(State state, Get g) {
    if (busy()) {
      return Effect().stash();
    }
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
    if (busy()) {
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
