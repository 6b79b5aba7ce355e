package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator on Pekko's persistence testkit (an in-memory journal that fails on demand), chunks of
 * 4 bytes: commit, listing, read-back, replacement and deletion; a journal failure stops a coordinator
 * made by {@code create} (the commit answered as not committed) and is survived by one made by
 * {@code retrying}: a commit cut short lands once the journal is back, or is answered as not committed
 * after its bound, and the next commit commits; an unreadable journal at start-up is retried.
 * JournalTest covers the same coordinator on H2 and PostgreSQL, across JVMs.
 */
class CheckpointCoordinatorTest {

  private static final String MARKERS = CheckpointCoordinator.PERSISTENCE_ID.id();
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static ActorTestKit kit;
  private static PersistenceTestKit journal;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("coordinator", PersistenceTestKitPlugin.getInstance().config()
        .withFallback(ConfigFactory.parseString("""
            lease-cr.time.clock = wall
            lease-cr.checkpoint.chunk-bytes = 4
            lease-cr.checkpoint.read-journal = "pekko.persistence.testkit.query"
            """))
        .withFallback(ConfigFactory.load()));
    journal = PersistenceTestKit.create(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static final List<ActorRef<CheckpointCoordinator.Command>> STARTED = new java.util.ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void stopCoordinators() {
    STARTED.forEach(kit::stop); // one coordinator per journal at a time
    STARTED.clear();
  }

  @BeforeEach
  void emptyJournal() {
    journal.resetPolicy();
    journal.clearAll();
  }

  private record Started(ActorRef<CheckpointCoordinator.Command> ref, TestProbe<CheckpointCoordinator.Listing> ready) {}

  private static Started start(boolean retrying, Duration retryFor) {
    TestProbe<CheckpointCoordinator.Listing> ready = kit.createTestProbe();
    Behavior<CheckpointCoordinator.Command> b = retrying ? CheckpointCoordinator.retrying(ready.getRef(), retryFor)
        : CheckpointCoordinator.create(ready.getRef());
    ActorRef<CheckpointCoordinator.Command> ref = kit.spawn(b, "coordinator-" + NAMES.incrementAndGet());
    STARTED.add(ref);
    return new Started(ref, ready);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static CheckpointCoordinator.Done commit(ActorRef<CheckpointCoordinator.Command> c, String id, String image,
      Duration within) {
    TestProbe<CheckpointCoordinator.Done> done = kit.createTestProbe();
    c.tell(new CheckpointCoordinator.Commit(id, 1000, "test", bytes(image), done.getRef()));
    return done.expectMessageClass(CheckpointCoordinator.Done.class, within);
  }

  private static List<String> listing(ActorRef<CheckpointCoordinator.Command> c) {
    TestProbe<CheckpointCoordinator.Listing> p = kit.createTestProbe();
    c.tell(new CheckpointCoordinator.ListAll(p.getRef()));
    return p.expectMessageClass(CheckpointCoordinator.Listing.class, Duration.ofSeconds(10)).entries().stream()
        .map(e -> e.id() + ":" + e.size() + "/" + e.chunks()).toList();
  }

  private static String read(ActorRef<CheckpointCoordinator.Command> c, String id) {
    TestProbe<CheckpointCoordinator.Found> p = kit.createTestProbe();
    c.tell(new CheckpointCoordinator.Get(id, p.getRef()));
    CheckpointCoordinator.Found f = p.expectMessageClass(CheckpointCoordinator.Found.class, Duration.ofSeconds(10));
    return f.entry() == null ? "error: " + f.error() : f.entry().image().toString(StandardCharsets.US_ASCII);
  }

  private static void stopped(ActorRef<CheckpointCoordinator.Command> c) {
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectTerminated(c, Duration.ofSeconds(10));
  }

  @Test
  void commitsListsReadsBackReplacesAndDeletes() {
    Started s = start(false, null);
    assertThat(s.ready().expectMessageClass(CheckpointCoordinator.Listing.class).entries()).isEmpty();
    assertThat(commit(s.ref(), "C1", "0123456789", Duration.ofSeconds(10)).error()).isNull();
    List<Object> markers = journal.persistedInStorage(MARKERS);
    assertThat(markers).singleElement().isInstanceOfSatisfying(CheckpointCoordinator.Marker.class, m -> {
      assertThat(m.chunkCount()).isEqualTo(3);
      assertThat(m.chunksPersistenceId()).isEqualTo(ChunkStore.persistenceId(1));
      assertThat(m.firstSequenceNr()).isEqualTo(1);
    });
    assertThat(journal.persistedInStorage(ChunkStore.persistenceId(1))).hasSize(3);
    assertThat(listing(s.ref())).containsExactly("C1:10/3");
    assertThat(read(s.ref(), "C1")).isEqualTo("0123456789");

    assertThat(commit(s.ref(), "C1", "abcde", Duration.ofSeconds(10)).error()).isNull(); // replaces it
    assertThat(listing(s.ref())).containsExactly("C1:5/2");
    assertThat(read(s.ref(), "C1")).isEqualTo("abcde");
    assertThat(read(s.ref(), "C9")).isEqualTo("error: null");

    TestProbe<CheckpointCoordinator.Done> done = kit.createTestProbe();
    s.ref().tell(new CheckpointCoordinator.Delete("C1", done.getRef()));
    assertThat(done.receiveMessage().error()).isNull();
    s.ref().tell(new CheckpointCoordinator.Delete("C1", done.getRef()));
    assertThat(done.receiveMessage().error()).isEqualTo("no checkpoint C1");
    assertThat(listing(s.ref())).isEmpty();
  }

  /**
   * An image bigger than one Artery frame (issue 12 item 7: 6.6 MB for 100k processes): the driver sends it in
   * parts, the keeper puts them together, and reads it back page by page; a part out of order drops the commit.
   */
  @Test
  void aCommitInPartsIsPutTogetherAndAnImageIsReadBackInPages() {
    Started s = start(true, Duration.ofSeconds(15));
    s.ready().expectMessageClass(CheckpointCoordinator.Listing.class, Duration.ofSeconds(10));
    TestProbe<CheckpointCoordinator.Done> done = kit.createTestProbe();
    String[] parts = {"0123", "4567", "89"};
    for (int i = 0; i < parts.length; i++) {
      s.ref().tell(new CheckpointCoordinator.CommitPart("C1", 1000, "test", i, parts.length, bytes(parts[i]),
          i == parts.length - 1 ? done.getRef() : null));
    }
    assertThat(done.expectMessageClass(CheckpointCoordinator.Done.class, Duration.ofSeconds(10)).error()).isNull();
    assertThat(listing(s.ref())).containsExactly("C1:10/3");
    assertThat(read(s.ref(), "C1")).isEqualTo("0123456789");
    TestProbe<CheckpointCoordinator.Found> p = kit.createTestProbe();
    StringBuilder paged = new StringBuilder();
    for (long offset = 0; offset < 10; offset += 4) {
      s.ref().tell(new CheckpointCoordinator.Get("C1", offset, 4, p.getRef()));
      CheckpointCoordinator.Found f = p.expectMessageClass(CheckpointCoordinator.Found.class, Duration.ofSeconds(10));
      assertThat(f.entry().size()).as("the whole image's size").isEqualTo(10);
      paged.append(f.entry().image().toString(StandardCharsets.US_ASCII));
    }
    assertThat(paged).hasToString("0123456789");
    // part 2 of 3 lost: the last part finds a gap, nothing is committed, the sender hears nothing
    s.ref().tell(new CheckpointCoordinator.CommitPart("C2", 1000, "test", 0, 3, bytes("ab"), null));
    s.ref().tell(new CheckpointCoordinator.CommitPart("C2", 1000, "test", 2, 3, bytes("ef"), done.getRef()));
    done.expectNoMessage(Duration.ofMillis(300));
    assertThat(listing(s.ref())).containsExactly("C1:10/3");
  }

  @Test
  void partsAndPagedGetsCrossNodesWhole() throws Exception {
    org.apache.pekko.serialization.Serialization ser =
        org.apache.pekko.serialization.SerializationExtension.get(kit.system().classicSystem());
    TestProbe<CheckpointCoordinator.Done> done = kit.createTestProbe();
    TestProbe<CheckpointCoordinator.Found> found = kit.createTestProbe();
    CheckpointCoordinator.CommitPart part = new CheckpointCoordinator.CommitPart("C1", 7, "s", 1, 3, bytes("xy"),
        done.getRef());
    CheckpointCoordinator.Get get = new CheckpointCoordinator.Get("C1", 1 << 20, 1 << 20, found.getRef());
    CheckpointCoordinator.Found page = new CheckpointCoordinator.Found("C1", new CheckpointCoordinator.Entry("C1", 7,
        "s", 6_600_000, 1, com.google.protobuf.ByteString.copyFrom(bytes("page"))), null);
    for (Object m : List.of(part, new CheckpointCoordinator.CommitPart("C1", 7, "s", 0, 3, bytes("ab"), null), get,
        page)) {
      org.apache.pekko.serialization.Serializer s = ser.findSerializerFor(m);
      String manifest = org.apache.pekko.serialization.Serializers.manifestFor(s, m);
      Object back = ser.deserialize(s.toBinary(m), s.identifier(), manifest).get();
      if (m instanceof CheckpointCoordinator.CommitPart c) {
        CheckpointCoordinator.CommitPart b = (CheckpointCoordinator.CommitPart) back;
        assertThat(b.data()).isEqualTo(c.data());
        assertThat(List.of(b.id(), b.takenAtMs(), b.index(), b.count(), String.valueOf(b.replyTo())))
            .isEqualTo(List.of(c.id(), c.takenAtMs(), c.index(), c.count(), String.valueOf(c.replyTo())));
      } else {
        assertThat(back).isEqualTo(m);
      }
    }
  }

  @Test
  void aChunkWriteFailureStopsACreatedCoordinatorAndTheCommitIsNotCommitted() {
    Started s = start(false, null);
    s.ready().expectMessageClass(CheckpointCoordinator.Listing.class);
    journal.failNextPersisted(ChunkStore.persistenceId(1));
    assertThat(commit(s.ref(), "C1", "0123456789", Duration.ofSeconds(10)).error())
        .isEqualTo("the journal failed while writing the chunks of checkpoint C1 (see the log); it is not committed");
    stopped(s.ref());
    Started again = start(false, null); // the marker that made it in without its chunks is rolled back
    assertThat(again.ready().expectMessageClass(CheckpointCoordinator.Listing.class, Duration.ofSeconds(10))
        .entries()).isEmpty();
  }

  @Test
  void aRetryingCoordinatorCommitsWhatAChunkWriteFailureCutShort() {
    Started s = start(true, Duration.ofSeconds(15));
    s.ready().expectMessageClass(CheckpointCoordinator.Listing.class);
    journal.failNextPersisted(ChunkStore.persistenceId(1));
    assertThat(commit(s.ref(), "C1", "0123456789", Duration.ofSeconds(15)).error()).isNull();
    assertThat(listing(s.ref())).containsExactly("C1:10/3");
    assertThat(read(s.ref(), "C1")).isEqualTo("0123456789");
    assertThat(commit(s.ref(), "C2", "xyz", Duration.ofSeconds(10)).error()).as("the next commit").isNull();
    assertThat(listing(s.ref())).containsExactly("C1:10/3", "C2:3/1");
    s.ready().expectNoMessage(Duration.ofMillis(100)); // announced once, however often it restarted
  }

  @Test
  void aRetryingCoordinatorCommitsWhatAMarkerFailureCutShort() {
    Started s = start(true, Duration.ofSeconds(15));
    s.ready().expectMessageClass(CheckpointCoordinator.Listing.class);
    assertThat(commit(s.ref(), "C0", "before", Duration.ofSeconds(10)).error()).isNull();
    journal.failNextPersisted(MARKERS);
    assertThat(commit(s.ref(), "C1", "0123456789", Duration.ofSeconds(15)).error()).isNull();
    assertThat(listing(s.ref())).containsExactly("C0:6/2", "C1:10/3");
    assertThat(read(s.ref(), "C0")).as("committed before the outage: unchanged").isEqualTo("before");
    assertThat(read(s.ref(), "C1")).isEqualTo("0123456789");
  }

  @Test
  void anUnreadableJournalAtStartUpStopsACreatedCoordinatorButARetryingOneComesUp() {
    Started first = start(false, null);
    first.ready().expectMessageClass(CheckpointCoordinator.Listing.class);
    assertThat(commit(first.ref(), "C1", "0123", Duration.ofSeconds(10)).error()).isNull();
    kit.stop(first.ref());
    STARTED.remove(first.ref());

    journal.failNextRead(ChunkStore.persistenceId(1)); // the probe of C1's chunks fails
    Started created = start(false, null);
    stopped(created.ref());

    journal.failNextRead(ChunkStore.persistenceId(1));
    journal.failNextRead(MARKERS); // and the replay of the markers, at the restart after it
    Started retrying = start(true, Duration.ofSeconds(15));
    assertThat(retrying.ready().expectMessageClass(CheckpointCoordinator.Listing.class, Duration.ofSeconds(15))
        .entries()).extracting(CheckpointCoordinator.Entry::id).containsExactly("C1");
    assertThat(read(retrying.ref(), "C1")).isEqualTo("0123");
  }

  @Test
  void aCommitThatCannotLandWithinItsBoundIsAnsweredAndTheNextOneCommits() {
    Started s = start(true, Duration.ofSeconds(1));
    s.ready().expectMessageClass(CheckpointCoordinator.Listing.class);
    assertThat(commit(s.ref(), "C0", "before", Duration.ofSeconds(10)).error()).isNull();
    journal.failNextNPersisted(MARKERS, 1000); // the outage: no marker lands
    long t0 = System.nanoTime();
    CheckpointCoordinator.Done failed = commit(s.ref(), "C1", "0123456789", Duration.ofSeconds(15));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(failed.error()).startsWith("checkpoint C1 is not committed: the journal failed 1000 ms ago or more")
        .contains("lease-cr.checkpoint.commit-retry-for");
    assertThat(ms).as("answered within the bound and one back-off").isBetween(1000L, 8000L);
    journal.resetPolicy(); // the database is back
    assertThat(commit(s.ref(), "C2", "xyz", Duration.ofSeconds(15)).error()).isNull();
    assertThat(listing(s.ref())).containsExactly("C0:6/2", "C2:3/1");
    assertThat(read(s.ref(), "C0")).isEqualTo("before");
  }
}
