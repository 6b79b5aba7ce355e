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
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

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

  /** The checkpoint {@code id}; with a {@code limit} above 0, bytes [offset, offset + limit) of its image only. */
  public record Get(String id, long offset, int limit, ActorRef<Found> replyTo) implements Command {
    public Get(String id, ActorRef<Found> replyTo) {
      this(id, 0, 0, replyTo);
    }
  }

  /**
   * Part {@code index} of {@code count} of a commit too big for one message across nodes (Artery's frame):
   * sent in order, the last with {@code replyTo}; the keeper puts them together into one {@link Commit}.
   */
  public record CommitPart(String id, long takenAtMs, String scenario, int index, int count, byte[] data,
      ActorRef<Done> replyTo) implements Command {}

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

  /** The journal failed under this incarnation (logged): stop, or restart when made to survive outages. */
  private record Failed(String why) implements Command {}

  private record ChunksRead(Get get, Stored stored, ChunkAssembly assembly, Throwable failure) implements Command {}

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

  /**
   * {@code ready} hears once the journal has been replayed (virtual time waits for it). A journal failure
   * stops this coordinator (a failed persist or recovery, a chunk store that cannot write): a single-node
   * run and the command line report it; the commit in flight is answered as not committed.
   */
  public static Behavior<Command> create(ActorRef<Listing> ready) {
    return Behaviors.setup(ctx -> new CheckpointCoordinator(ctx, ready, null, 0));
  }

  /**
   * A coordinator that survives journal outages (the cluster singleton): a {@link CoordinatorKeeper} in
   * front of it starts it again with back-off (0.2 s doubling to 5 s) whenever the journal stops it, and
   * a commit the failure cut short is committed again once the journal is back, for at most
   * {@code retryFor} after the failure, then answered as not committed. A probe that cannot read the
   * journal at start-up stops it too, and it comes back the same way. {@code ready} hears the listing
   * once, after the first start-up.
   */
  public static Behavior<Command> retrying(ActorRef<Listing> ready, java.time.Duration retryFor) {
    return CoordinatorKeeper.create(ready, retryFor);
  }

  /** An incarnation run by a {@link CoordinatorKeeper}, sharing its {@code carry}. */
  static Behavior<Command> kept(ActorRef<Listing> ready, Carry carry, int incarnation) {
    return Behaviors.setup(ctx -> new CheckpointCoordinator(ctx, ready, carry, incarnation));
  }

  /** To the keeper: its incarnation {@code n} stopped (the journal failed). Local. */
  record Stopped(int n) implements Command {}

  /** To the keeper: start the next incarnation (its back-off is over). Local. */
  record Respawn() implements Command {}

  /** To the keeper: the retry bound of a commit cut short has passed. Local. */
  record Overdue(Commit commit) implements Command {}

  static final java.time.Duration BACKOFF_MIN = java.time.Duration.ofMillis(200);
  static final java.time.Duration BACKOFF_MAX = java.time.Duration.ofSeconds(5);

  /**
   * What a {@link #retrying} coordinator keeps across its restarts: the commits not answered yet (with
   * when the journal first failed under each), and whether {@code ready} has heard. Its incarnations use
   * it one after the other; the bound's timer answers from the scheduler, hence the locking.
   */
  static final class Carry {
    final java.time.Duration retryFor;
    private final Map<Commit, Long> unanswered = new LinkedHashMap<>();
    private boolean announced;
    private Commit writing;
    private int upIncarnation;
    volatile String lastFailure = "the journal failed";

    /** Whether incarnation {@code n} got through its start-up (its store was ready). */
    synchronized boolean cameUp(int n) {
      return upIncarnation == n;
    }

    synchronized void up(int n) {
      upIncarnation = n;
    }

    Carry(java.time.Duration retryFor) {
      this.retryFor = retryFor;
    }

    synchronized void remember(Commit c) {
      unanswered.putIfAbsent(c, null);
    }

    /** True once: whoever takes the commit answers it. */
    synchronized boolean take(Commit c) {
      if (!unanswered.containsKey(c)) {
        return false;
      }
      unanswered.remove(c);
      if (writing == c) {
        writing = null;
      }
      return true;
    }

    /** The commit being written now: its bound's timer leaves it to the outcome of the write. */
    synchronized void writing(Commit c) {
      writing = c;
    }

    /** Answers {@code c} as not committed if its bound has passed and it is not being written; true if so. */
    synchronized boolean takeIfOverdue(Commit c, long now) {
      Long since = unanswered.get(c);
      return since != null && writing != c && now - since >= retryFor.toMillis() && take(c);
    }

    /** When the journal first failed under this commit, or null (it has not, or it is answered). */
    synchronized Long failedSince(Commit c) {
      return unanswered.get(c);
    }

    /** The commits not answered yet, in their order. */
    synchronized List<Commit> pending() {
      return List.copyOf(unanswered.keySet());
    }

    /** The commits a failure cut short (their incarnation is gone), in their order. */
    synchronized List<Commit> cutShort() {
      return unanswered.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey).toList();
    }

    /** Marks the commits not answered yet as cut short by a failure now; returns those newly marked. */
    synchronized List<Commit> failedNow(long now) {
      writing = null; // its write failed with the rest
      List<Commit> marked = new ArrayList<>();
      unanswered.replaceAll((c, since) -> {
        if (since == null) {
          marked.add(c);
          return now;
        }
        return since;
      });
      return marked;
    }
  }

  // ---------------------------------------------------------------- the coordinator's states

  /** What this incarnation is doing; not journaled (a restart begins again at Recovering). */
  private sealed interface Phase {}

  /** The journal is being replayed; Pekko holds commands meanwhile. */
  private record Recovering() implements Phase {}

  /** Start-up: {@code probe} counts the chunks of the last marker, which may have been cut short by a crash. */
  private record Probing(long set, org.apache.pekko.actor.ActorRef probe) implements Phase {}

  /** The next commit's chunk store recovers (and deletes stale chunks); commits wait. Listings are answered. */
  private record Preparing(long set, org.apache.pekko.actor.ActorRef store) implements Phase {}

  /** The next commit's store is ready to write from {@code nextSequenceNr}: a commit may start. */
  private record Ready(long set, org.apache.pekko.actor.ActorRef store, long nextSequenceNr) implements Phase {}

  /** The next commit's store stopped (the journal failed) while a commit was in flight. */
  private record StoreFailed(long set) implements Phase {}

  /**
   * A commit in flight: its marker persisting, its chunks written by {@code writer}, both at once; the
   * store of the commit after it prepares meanwhile ({@code next}: Preparing, Ready or StoreFailed; null
   * under the pause-before-chunks test hook). Committed once both are written; answered once {@code next}
   * is ready too, or has failed.
   */
  private record Committing(Commit commit, Marker marker, org.apache.pekko.actor.ActorRef writer,
      boolean markerWritten, boolean chunksWritten, Phase next) implements Phase {
    Committing withNext(Phase n) {
      return new Committing(commit, marker, writer, markerWritten, chunksWritten, n);
    }

    Committing markerIn() {
      return new Committing(commit, marker, writer, true, chunksWritten, next);
    }

    Committing chunksIn() {
      return new Committing(commit, marker, writer, markerWritten, true, next);
    }
  }

  /** The journal failed: nothing more is done until the stop or restart. */
  private record Stopping() implements Phase {}

  private final ActorContext<Command> ctx;
  private final ActorRef<Listing> ready;
  private final int chunkBytes;
  /** Test hooks: the commit of this id writes only its chunks, or only its marker (a crash comes next). */
  private final String pauseBeforeMarker;
  private final String pauseBeforeChunks;
  /** Null: stop on a journal failure; else survive it (see {@link #retrying}). */
  private final Carry carry;
  private final int incarnation;

  // not state: what this incarnation is doing
  private Phase phase = new Recovering();
  private boolean announced;
  private final Map<String, org.apache.pekko.actor.ActorRef> purging = new HashMap<>();

  private CheckpointCoordinator(ActorContext<Command> ctx, ActorRef<Listing> ready, Carry carry, int incarnation) {
    super(PERSISTENCE_ID);
    this.incarnation = incarnation;
    this.ctx = ctx;
    this.ready = ready;
    this.carry = carry;
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
          if (carry != null) {
            ctx.getLog().info("checkpoint coordinator {}: journal replayed, {} checkpoints{}", incarnation,
                state.entries.size(), last == null ? "" : "; checking the chunks of " + last.id());
          }
          if (last == null) {
            startUp(state);
          } else {
            org.apache.pekko.actor.ActorRef probe =
                Adapter.actorOf(ctx, ChunkStore.probe(last.chunkSet(), ctx.getSelf()), "probe-" + last.chunkSet());
            ctx.watchWith(Adapter.toTyped(probe), new ProbeStopped(last.chunkSet()));
            phase = new Probing(last.chunkSet(), probe);
          }
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerBuilder();
    builder.forState(s -> phase instanceof Recovering || phase instanceof Probing)
        .onCommand(Probed.class, this::onProbed)
        .onCommand(ProbeStopped.class, this::onProbeStopped)
        .onCommand(Commit.class, this::hold)
        .onCommand(ListAll.class, (state, c) -> Effect().stash())
        .onCommand(Get.class, (state, c) -> Effect().stash())
        .onCommand(Delete.class, (state, c) -> Effect().stash());
    builder.forState(s -> phase instanceof Preparing)
        .onCommand(StoreReady.class, this::onStoreReady)
        .onCommand(StoreStopped.class, this::onIdleStoreStopped)
        .onCommand(Commit.class, this::hold);
    builder.forState(s -> phase instanceof Ready)
        .onCommand(Commit.class, this::onCommit)
        .onCommand(StoreStopped.class, this::onIdleStoreStopped);
    builder.forState(s -> phase instanceof Committing)
        .onCommand(ChunksWritten.class, this::onChunksWritten)
        .onCommand(StoreReady.class, this::onNextStoreReady)
        .onCommand(StoreStopped.class, this::onStoreStoppedWhileCommitting)
        .onCommand(Commit.class, this::hold)
        .onCommand(ListAll.class, (state, c) -> Effect().stash()) // its marker may be in before its chunks
        .onCommand(Get.class, (state, c) -> Effect().stash())
        .onCommand(Delete.class, (state, c) -> Effect().stash());
    builder.forState(s -> phase instanceof Stopping)
        .onCommand(Commit.class, this::hold)
        .onCommand(Failed.class, this::onFailed);
    builder.forAnyState() // Preparing and Ready: listings, gets and deletes; purges at any time
        .onCommand(ListAll.class, (state, c) -> Effect().reply(c.replyTo(), new Listing(state.listing())))
        .onCommand(Get.class, this::onGet)
        .onCommand(ChunksRead.class, this::onChunksRead)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Purged.class, this::onPurged)
        .onCommand(PurgeStopped.class, (state, p) -> {
          purging.remove(p.persistenceId()); // failed (logged): still garbage, tried again at the next start
          return announceIfReady(state);
        })
        .onCommand(Failed.class, this::onFailed)
        .onAnyCommand(c -> Effect().none()); // a store's or probe's late word: not the one this state waits for
    return builder.build();
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
    if (!(phase instanceof Probing probing) || last == null || last.chunkSet() != p.set()) {
      return Effect().none();
    }
    stopAnswered(probing.probe());
    if (p.highestSequenceNr() >= last.firstSequenceNr() + last.chunkCount() - 1) {
      startUp(state);
      return Effect().none();
    }
    ctx.getLog().warn("checkpoint {}: its marker is in the journal but none of its chunks is (a crash between the"
        + " two writes, or rows deleted by hand): rolled back{}", last.id(),
        state.replacedByLast != null ? " to the checkpoint it replaced" : "");
    phase = new Recovering(); // checked: the roll-back is persisted, then the start-up goes on
    return Effect().persist(new RolledBack(last.id())).thenRun(this::startUp);
  }

  /** The probe stopped before it answered: the journal cannot be read. Like a failed recovery. */
  private Effect<Event, State> onProbeStopped(State state, ProbeStopped p) {
    if (!(phase instanceof Probing probing) || probing.set() != p.set()) {
      return Effect().none();
    }
    return fail("the journal cannot be read: the check of the last checkpoint's chunks failed (see the log)");
  }

  private void startUp(State state) {
    startNextStore(state.nextSet);
    purgeGarbage(state);
    announceIfReady(state);
    if (carry != null) {
      // commits a failure cut short: again, in their order, after this start-up (see onCommit); those sent
      // to this incarnation are in its own mailbox or stash
      carry.cutShort().forEach(ctx.getSelf()::tell);
    }
  }

  // ---------------------------------------------------------------- commit: marker and chunks at once

  /** One commit at a time, into the store that is ready for it: held until then (and across restarts). */
  private Effect<Event, State> hold(State state, Commit c) {
    remember(c);
    return Effect().stash();
  }

  private Effect<Event, State> onCommit(State state, Commit c) {
    Ready r = (Ready) phase;
    remember(c);
    byte[] image = c.image();
    CRC32 crc = new CRC32();
    crc.update(image);
    if (carry != null && carry.failedSince(c) != null) {
      Stored s = state.entries.get(c.id());
      if (s != null && s.marker() != null && s.marker().size() == image.length
          && s.marker().crc32() == (int) crc.getValue() && s.marker().takenAtMs() == c.takenAtMs()) {
        // the failure came after both writes (the start-up checked its chunks): it is committed
        answer(c, new Done(c.id(), null));
        return Effect().none();
      }
      ctx.getLog().info("checkpoint {}: committing it again now that the journal is back", c.id());
    }
    ByteString all = UnsafeByteOperations.unsafeWrap(image); // chunks are views, not copies
    List<ByteString> chunks = new ArrayList<>(image.length / chunkBytes + 1);
    for (int off = 0; off < image.length || chunks.isEmpty(); off += chunkBytes) {
      chunks.add(all.substring(off, Math.min(image.length, off + chunkBytes)));
    }
    Marker m = new Marker(c.id(), c.takenAtMs(), c.scenario(), image.length, chunks.size(), (int) crc.getValue(),
        r.set(), ChunkStore.persistenceId(r.set()), r.nextSequenceNr());
    Committing committing = new Committing(c, m, r.store(), false, false, null);
    phase = committing;
    if (carry != null) {
      carry.writing(c);
    }
    if (!pauseBeforeChunks.isEmpty() && c.id().equals(pauseBeforeChunks)) {
      return Effect().persist(m).thenRun(s -> {
        System.err.println("checkpoint " + c.id() + ": its marker is written, its " + chunks.size() + " chunk(s) to "
            + m.chunksPersistenceId() + " are not; pausing before its chunks (lease-cr.checkpoint.pause-before-chunks)");
        System.err.flush(); // stays in flight: the test kills the JVM here
      });
    }
    r.store().tell(new ChunkStore.Write(chunks), org.apache.pekko.actor.ActorRef.noSender());
    // the next commit's store recovers meanwhile, and before the reply: see startNextStore
    phase = committing.withNext(startNextStore(r.set() + 1));
    if (!pauseBeforeMarker.isEmpty() && c.id().equals(pauseBeforeMarker)) {
      return Effect().none(); // the marker waits for ever: see onChunksWritten
    }
    return Effect().persist(m).thenRun(s -> {
      if (phase instanceof Committing now) {
        phase = now.markerIn();
        finishCommit();
      }
    }).thenUnstashAll();
  }

  private Effect<Event, State> onChunksWritten(State state, ChunksWritten w) {
    Committing c = (Committing) phase;
    if (w.set() != c.marker().chunkSet()) {
      return Effect().none();
    }
    stopAnswered(c.writer());
    Marker m = c.marker();
    if (w.firstSequenceNr() != m.firstSequenceNr() || w.count() != m.chunkCount()) {
      // another writer on this chunk set: the marker names rows that are not these; never answer success
      String why = "the chunks of checkpoint " + m.id() + " went to events " + w.firstSequenceNr() + ".. of "
          + w.persistenceId() + ", its marker says " + m.firstSequenceNr() + " (is another coordinator writing"
          + " to this journal?)";
      ctx.getLog().error(why);
      answer(c.commit(), new Done(m.id(), why));
      phase = new Stopping();
      return c.markerWritten()
          ? Effect().persist(new RolledBack(m.id())).thenRun(s -> ctx.getSelf().tell(new Failed(why)))
          : fail(why);
    }
    phase = c.chunksIn();
    if (!pauseBeforeMarker.isEmpty() && m.id().equals(pauseBeforeMarker)) {
      System.err.println("checkpoint " + m.id() + ": " + w.count() + " chunk(s) written to " + w.persistenceId()
          + "; pausing before its marker (lease-cr.checkpoint.pause-before-marker)");
      System.err.flush();
      return Effect().none(); // stays in flight: the test kills the JVM here
    }
    return finishCommit() ? Effect().none().thenUnstashAll() : Effect().none();
  }

  /** The store of the commit after this one is ready: the one in flight may be answered once written. */
  private Effect<Event, State> onNextStoreReady(State state, StoreReady r) {
    Committing c = (Committing) phase;
    if (!(c.next() instanceof Preparing p) || p.set() != r.set()) {
      return Effect().none();
    }
    phase = c.withNext(new Ready(p.set(), p.store(), r.nextSequenceNr()));
    finishCommit();
    return Effect().none().thenUnstashAll();
  }

  /**
   * The commit's own chunk store stopped before its chunks were written (the journal failed): not
   * committed. Or the next commit's store stopped: the commit in flight goes on and is answered as what
   * it turns out to be; then this coordinator stops or restarts (see finishCommit).
   */
  private Effect<Event, State> onStoreStoppedWhileCommitting(State state, StoreStopped s) {
    Committing c = (Committing) phase;
    if (s.set() == c.marker().chunkSet() && !c.chunksWritten()) {
      String why = "the journal failed while writing the chunks of checkpoint " + c.commit().id() + " (see the log)";
      if (carry == null) {
        answer(c.commit(), new Done(c.commit().id(), why + "; it is not committed"));
      }
      return fail(why);
    }
    if (c.next() instanceof Preparing p && p.set() == s.set()) {
      phase = c.withNext(new StoreFailed(p.set()));
      return finishCommit() ? Effect().none().thenUnstashAll() : Effect().none();
    }
    return Effect().none(); // a store that wrote its chunks and was stopped, as it should be
  }

  /**
   * Replies to the commit once its marker and chunks are persisted and the next store is ready, or has
   * failed: then the commit is answered as what it is, committed, and the coordinator fails.
   */
  private boolean finishCommit() {
    if (phase instanceof Committing c && c.markerWritten() && c.chunksWritten()
        && (c.next() instanceof Ready || c.next() instanceof StoreFailed)) {
      answer(c.commit(), new Done(c.commit().id(), null));
      if (c.next() instanceof StoreFailed) {
        phase = new Stopping();
        ctx.getSelf().tell(new Failed("the journal failed while the store of the next commit started (see the log)"));
      } else {
        phase = c.next();
      }
      return true;
    }
    return false;
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
   * No journal work may run in the background of an emulated run: virtual time would jump ahead while
   * JDBC works on other threads, and fire the store's recovery time-out. So the next store is started
   * at start-up, before the listing is announced, and with a commit, before the commit's reply: both
   * while the run's clock is paused. Returns its state, Preparing; at start-up that is the phase.
   */
  private Preparing startNextStore(long set) {
    org.apache.pekko.actor.ActorRef store = Adapter.actorOf(ctx, ChunkStore.next(set, ctx.getSelf()), "chunks-" + set);
    ctx.watchWith(Adapter.toTyped(store), new StoreStopped(set));
    Preparing p = new Preparing(set, store);
    if (!(phase instanceof Committing)) {
      phase = p;
    }
    return p;
  }

  private Effect<Event, State> onStoreReady(State state, StoreReady r) {
    Preparing p = (Preparing) phase;
    if (r.set() != p.set()) {
      return Effect().none();
    }
    phase = new Ready(p.set(), p.store(), r.nextSequenceNr());
    if (carry != null) {
      carry.up(incarnation);
      ctx.getLog().info("checkpoint coordinator {}: ready", incarnation);
    }
    announceIfReady(state);
    return Effect().none().thenUnstashAll();
  }

  /** The next commit's store stopped by itself before any commit used it: the journal failed (logged). */
  private Effect<Event, State> onIdleStoreStopped(State state, StoreStopped s) {
    long set = phase instanceof Ready r ? r.set() : ((Preparing) phase).set();
    return s.set() == set ? fail("the journal failed while the store of the next commit started (see the log)")
        : Effect().none();
  }

  /** Tells {@code ready} the listing once the start-up clean-up is done (once, however often it restarts). */
  private Effect<Event, State> announceIfReady(State state) {
    boolean told = announced || (carry != null && carry.announced);
    boolean storeReady = phase instanceof Ready || (phase instanceof Committing c && c.next() instanceof Ready);
    if (!told && storeReady && purging.isEmpty()) {
      announced = true;
      if (carry != null) {
        carry.announced = true;
      }
      if (ready != null) {
        ready.tell(new Listing(state.listing()));
      }
    }
    return Effect().none();
  }

  // ---------------------------------------------------------------- journal failures

  /**
   * The journal failed under this incarnation: stop, as a failed persist or recovery does (Pekko stops an
   * event-sourced actor then). Made by {@link #create}, whoever watches reports it; kept by a
   * {@link CoordinatorKeeper}, it is started again with back-off and commits what was cut short.
   */
  private Effect<Event, State> fail(String why) {
    phase = new Stopping();
    ctx.getLog().warn("checkpoint coordinator: {}; it stops{}", why,
        carry == null ? "" : " and starts again when the journal is back");
    if (carry != null) {
      carry.lastFailure = why;
    }
    return Effect().stop();
  }

  private Effect<Event, State> onFailed(State state, Failed f) {
    return fail(f.why());
  }

  /** Answers a commit cut short as not committed, once its bound has passed (from a timer, or a restart). */
  static void notCommitted(Carry carry, Commit c, org.slf4j.Logger log) {
    if (carry.takeIfOverdue(c, System.currentTimeMillis())) {
      String answer = "checkpoint " + c.id() + " is not committed: the journal failed " + carry.retryFor.toMillis()
          + " ms ago or more, under its commit, and has not let it land since (lease-cr.checkpoint.commit-retry-for;"
          + " last failure: " + carry.lastFailure + ")";
      log.error(answer);
      c.replyTo().tell(new Done(c.id(), answer));
    }
  }

  private void remember(Commit c) {
    if (carry != null) {
      carry.remember(c);
    }
  }

  private void answer(Commit c, Done d) {
    if (carry == null || carry.take(c)) {
      c.replyTo().tell(d);
    }
  }

  // ---------------------------------------------------------------- get: read the chunks back, check them

  private Effect<Event, State> onGet(State state, Get g) {
    Stored s = state.entries.get(g.id());
    if (s == null) {
      return Effect().reply(g.replyTo(), new Found(g.id(), null, null));
    }
    if (s.marker() == null) {
      return Effect().reply(g.replyTo(), new Found(g.id(), part(withImage(s.entry(), s.legacyImage()), g), null));
    }
    ctx.pipeToSelf(ChunkAssembly.read(ctx.getSystem(), s.marker()),
        (a, failure) -> new ChunksRead(g, s, a, failure));
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
        new Found(id, part(withImage(r.stored().entry(), UnsafeByteOperations.unsafeWrap(r.assembly().bytes())),
            r.get()), null));
  }

  /** The part of the entry's image a Get with a limit asks for (its size stays the whole image's). */
  private static Entry part(Entry e, Get g) {
    if (g.limit() <= 0 || e.image() == null) {
      return e;
    }
    int from = (int) Math.min(Math.max(0, g.offset()), e.image().size());
    int to = (int) Math.min(e.image().size(), (long) from + g.limit());
    return new Entry(e.id(), e.takenAtMs(), e.scenario(), e.image().size(), e.chunks(), e.image().substring(from, to));
  }

  private static Entry withImage(Entry e, ByteString image) {
    return new Entry(e.id(), e.takenAtMs(), e.scenario(), e.size(), e.chunks(), image);
  }

  // ---------------------------------------------------------------- delete, and the chunks that go with it

  private Effect<Event, State> onDelete(State state, Delete d) {
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

  private Effect<Event, State> onPurged(State state, Purged p) {
    return Effect().persist(new ChunksPurged(List.of(p.persistenceId()))).thenRun(s -> {
      org.apache.pekko.actor.ActorRef store = purging.remove(p.persistenceId());
      if (store != null) {
        Adapter.toClassic(ctx).stop(store);
      }
      announceIfReady(s);
    });
  }
}
