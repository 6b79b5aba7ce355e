package io.leasecr.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.FlockLock;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingCall;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.image.Process;
import io.leasecr.proto.wire.ProcessSpec;
import io.leasecr.proto.wire.RestoreBatch;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A restart's batches: a batch's image, indexed on the node, gives each lease table and each process the very
 * part the driver's whole-image index gives it; a batch that does not hold together is refused as a whole, in
 * words, before anything is sent; the wire form goes and comes back, and a bad one is refused saying what is
 * wrong.
 */
class RestoreBatchesTest {

  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("restore-batches", ConfigFactory.parseString("lease-cr.time.clock = wall")
        .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** 40 processes, each with its own file, every 4th also on a shared file; leases, locks, two blocked opens. */
  private static CheckpointImage image() {
    CheckpointImage.Builder b = CheckpointImage.newBuilder().setMagic(ImageCodec.MAGIC).setId("C1").setTakenAtMs(30_000)
        .setScenario("s").setLeaseBreakTime(45).setLeasesEnable(true);
    b.addFiles(OpenFile.newBuilder().setId(1).setIno(1000).setPath("/shared"));
    for (int i = 1; i <= 40; i++) {
      b.addFiles(OpenFile.newBuilder().setId(100 + i).setIno(2000 + i).setPath("/gen/f" + i));
      Process.Builder p = Process.newBuilder().setSpec(ProcessSpec.newBuilder().setPid(100 + i).setName("G" + i))
          .putFds(3, 100 + i);
      if (i % 4 == 0) {
        p.putFds(4, 1);
      }
      if (i % 17 == 0) {
        p.setPending(PendingCall.newBuilder().setStep(3).setBlocked(true));
      }
      b.addProcesses(p);
      if (i % 5 == 0) {
        b.addLeases(Lease.newBuilder().setFileId(100 + i).setPid(100 + i));
      }
      if (i % 6 == 0) {
        b.addPosixLocks(PosixLock.newBuilder().setIno(2000 + i).setPid(100 + i).setEnd(-1));
      }
    }
    b.addFlockLocks(FlockLock.newBuilder().setIno(1000).setFileId(1).setPid(104));
    return b.build();
  }

  @Test
  void aBatchImageGivesEachEntityTheDriversPart() {
    CheckpointImage image = image();
    List<Process> chosen = new ArrayList<>(image.getProcessesList().subList(10, 40)); // G11..G40
    RestoreSlices whole = new RestoreSlices(image, chosen);
    List<Long> inos = new ArrayList<>(whole.inodes());
    assertThat(inos).contains(1000L, 2011L, 2040L).doesNotContain(2001L);
    List<Long> part = inos.subList(3, 17);
    CheckpointImage batch = whole.tableBatch(part);
    assertThat(batch.getSerializedSize()).isLessThan(image.getSerializedSize());
    RestoreSlices onNode = new RestoreSlices(batch, batch.getProcessesList());
    for (long ino : part) {
      assertThat(onNode.of(ino)).as("the lease table of ino %d", ino).isEqualTo(whole.of(ino));
    }
    // a table's part names the blocked processes (G17, G34) besides its holders, in the order of chosen
    assertThat(whole.of(2020).getProcessesList()).extracting(p -> p.getSpec().getName())
        .containsExactly("G17", "G20", "G34");
    List<Process> ps = chosen.subList(5, 25);
    CheckpointImage pbatch = whole.processBatch(ps);
    RestoreSlices pOnNode = new RestoreSlices(pbatch, pbatch.getProcessesList());
    for (Process p : ps) {
      assertThat(pOnNode.filesOf(pOnNode.process(p.getSpec().getPid()))).isEqualTo(whole.filesOf(p));
    }
    assertThat(pOnNode.process(111)).isNull(); // G11 is not in that batch
  }

  private static RestoreBatches.Batch batch(RestoreBatches.Stage stage, ByteString image, List<Long> inos,
      List<Integer> pids, ActorRef<RestoreBatches.Done> to) {
    return new RestoreBatches.Batch(7, stage, image, inos, pids, "remaining", false, 0, to);
  }

  @Test
  void aBatchThatDoesNotHoldTogetherIsRefusedInWords() {
    TestProbe<RestoreBatches.Done> to = kit.createTestProbe();
    // no entity may be reached: the regions are absent, so a batch that went past the checks would fail the test
    ActorRef<RestoreBatches.Command> fanOut = kit.spawn(RestoreBatches.create("n1",
        new EmulatorSharding.Refs(null, null, null, null)));
    RestoreSlices whole = new RestoreSlices(image(), image().getProcessesList());
    ByteString tables = whole.tableBatch(List.of(2001L, 2002L)).toByteString();
    ByteString procs = whole.processBatch(image().getProcessesList().subList(0, 2)).toByteString();
    record Case(RestoreBatches.Batch batch, String why) {}
    List<Case> cases = List.of(
        new Case(batch(RestoreBatches.Stage.TABLES, ByteString.copyFromUtf8("not protobuf at all \u0001\u0002"),
            List.of(2001L), List.of(), to.getRef()), "its image is not a checkpoint image"),
        new Case(batch(RestoreBatches.Stage.TABLES, image().toBuilder().setMagic("ELF").build().toByteString(),
            List.of(2001L), List.of(), to.getRef()), "magic 'ELF'"),
        new Case(batch(RestoreBatches.Stage.TABLES, tables, List.of(2001L), List.of(101), to.getRef()),
            "a TABLES batch names pids (1)"),
        new Case(batch(RestoreBatches.Stage.PROCESSES, procs, List.of(2001L), List.of(101), to.getRef()),
            "a PROCESSES batch names inos (1)"),
        new Case(batch(RestoreBatches.Stage.TABLES, tables, List.of(), List.of(), to.getRef()), "it is empty (no ino)"),
        new Case(batch(RestoreBatches.Stage.TABLES, tables, List.of(2001L, 2001L), List.of(), to.getRef()),
            "ino 2001 is in it twice"),
        new Case(batch(RestoreBatches.Stage.TABLES, tables, List.of(2001L, 2003L), List.of(), to.getRef()),
            "lease table 2003 has no open file in its image"),
        new Case(batch(RestoreBatches.Stage.PROCESSES, procs, List.of(), List.of(101, 103), to.getRef()),
            "pid 103 has no process in its image"),
        new Case(new RestoreBatches.Batch(7, RestoreBatches.Stage.PROCESSES, procs, List.of(), List.of(101), "", false,
            -5, to.getRef()), "its answer time -5 ms is out of range"));
    for (Case c : cases) {
      fanOut.tell(c.batch());
      RestoreBatches.Done d = to.receiveMessage();
      assertThat(d.refused()).as(c.why()).startsWith("restore batch 7 refused by n1: ").contains(c.why());
      assertThat(d.restoredInos()).isEmpty();
      assertThat(d.running()).isEmpty();
    }
  }

  @Test
  void theWireFormGoesAndComesBackAndABadOneIsRefusedSayingWhy() throws Exception {
    RestoreBatchSerializer s = new RestoreBatchSerializer((ExtendedActorSystem) Adapter.toClassic(kit.system()));
    TestProbe<RestoreBatches.Done> to = kit.createTestProbe();
    RestoreBatches.Batch b = new RestoreBatches.Batch(42, RestoreBatches.Stage.PROCESSES,
        image().toByteString(), List.of(), List.of(101, 102), "", false, 1000, to.getRef());
    Object back = s.fromBinary(s.toBinary(b), s.manifest(b));
    assertThat(back).isEqualTo(b);
    RestoreBatches.Done d = new RestoreBatches.Done(42, "n3", List.of(2001L), List.of(101), List.of(102), "");
    assertThat(s.fromBinary(s.toBinary(d), s.manifest(d))).isEqualTo(d);
    byte[] unknownStage = RestoreBatch.newBuilder().setBatch(9).setStageValue(7).build().toByteArray();
    assertThatThrownBy(() -> s.fromBinary(unknownStage, RestoreBatchSerializer.BATCH))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("restore batch 9: unknown stage 7");
    assertThatThrownBy(() -> s.fromBinary(new byte[] {(byte) 0xff, 1, 2}, RestoreBatchSerializer.BATCH))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("corrupt restore-batch message");
    assertThatThrownBy(() -> s.fromBinary(new byte[0], "restore-nonsense"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("unknown restore-batch manifest");
  }

  /**
   * A stand-in for a node's shard regions, its entities in one: per entity, in order, as sharding delivers. It
   * loses the messages {@code lose} names (a restore sent through a region before it dropped a dead node's
   * region), holds an entity's messages for {@code stallMs} (a busy entity), and counts each entity's restores.
   */
  private static final class Regions {
    final java.util.Map<String, Integer> restores = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Set<String> taken = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** "Restore:2003" loses the first restore of table 2003; "Save:2003" its first Save. */
    final java.util.Set<String> lose = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.Map<String, Long> stallMs = new java.util.concurrent.ConcurrentHashMap<>();

    @SuppressWarnings({"unchecked", "rawtypes"})
    <M> ActorRef<org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<M>> spawn(String name) {
      java.util.Map<String, java.util.ArrayDeque<Object>> held = new java.util.HashMap<>();
      ActorRef ref = kit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.<Object>setup(ctx ->
          org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(m -> {
            if (m instanceof String id) { // an entity's stall is over: what it was sent meanwhile, in order
              java.util.ArrayDeque<Object> q = held.remove(id);
              q.forEach(x -> handle(id, x));
              return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
            }
            org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<?> e =
                (org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<?>) m;
            String id = e.entityId();
            Object msg = e.message();
            if (lose.remove(msg.getClass().getSimpleName() + ":" + id)) {
              return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
            }
            Long stall = stallMs.remove(id);
            if (stall != null) {
              held.put(id, new java.util.ArrayDeque<>());
              ctx.scheduleOnce(java.time.Duration.ofMillis(stall), ctx.getSelf(), id);
            }
            if (held.containsKey(id)) {
              held.get(id).add(msg);
            } else {
              handle(id, msg);
            }
            return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
          })), name);
      return ref;
    }

    private void handle(String id, Object msg) {
      if (msg instanceof io.leasecr.core.kernel.LockManager.Restore || msg instanceof io.leasecr.core.kernel.ProcessTable.Restore) {
        restores.merge(id, 1, Integer::sum);
        taken.add(id);
      } else if (msg instanceof io.leasecr.core.kernel.LockManager.Save s) {
        CheckpointImage.Builder part = CheckpointImage.newBuilder();
        if (taken.contains(id)) {
          part.addFiles(OpenFile.newBuilder().setId(1).setIno(Long.parseLong(id)));
        }
        s.replyTo().tell(new io.leasecr.core.kernel.LockManager.LocksSaved(part.build()));
      } else if (msg instanceof io.leasecr.core.kernel.ProcessTable.Save s) {
        s.replyTo().tell(new io.leasecr.core.kernel.ProcessTable.ProcessesSaved(taken.contains(id)
            ? List.of(Process.newBuilder().setSpec(ProcessSpec.newBuilder().setPid(Integer.parseInt(id))).build())
            : List.of()));
      }
    }
  }

  @Test
  void aLostRestoreIsSentAgainWithinASecondAndASlowTableIsNotRestoredTwice() {
    Regions regions = new Regions();
    regions.lose.add("Restore:2012"); // its Save arrives: it answers without entries
    regions.lose.add("Restore:2015"); // both lost: it stays silent
    regions.lose.add("Save:2015");
    regions.stallMs.put("2018", 700L); // busy: answers late, after its ask
    ActorRef<RestoreBatches.Command> fanOut = kit.spawn(RestoreBatches.create("n1", new EmulatorSharding.Refs(
        null, regions.spawn("inodes"), null, null), ctx -> false, java.time.Duration.ofMillis(400), false));
    RestoreSlices whole = new RestoreSlices(image(), image().getProcessesList());
    List<Long> inos = new ArrayList<>();
    for (long ino = 2011; ino <= 2030; ino++) {
      inos.add(ino);
    }
    TestProbe<RestoreBatches.Done> to = kit.createTestProbe();
    long t0 = System.currentTimeMillis();
    fanOut.tell(new RestoreBatches.Batch(7, RestoreBatches.Stage.TABLES, whole.tableBatch(inos).toByteString(), inos,
        List.of(), "remaining", false, 8000, to.getRef()));
    RestoreBatches.Done d = to.receiveMessage(java.time.Duration.ofSeconds(4)); // the old fan-out: 8 s, 17 of 20
    long took = System.currentTimeMillis() - t0;
    assertThat(d.restoredInos()).containsExactlyInAnyOrderElementsOf(inos);
    assertThat(took).as("answered after %d ms", took).isLessThan(3000);
    assertThat(regions.restores).containsEntry("2012", 1).containsEntry("2015", 1) // each got its one restore
        .containsEntry("2018", 1).hasSize(20); // the slow one was asked, not restored again
    assertThat(regions.restores.values()).containsOnly(1);
  }

  @Test
  void aProcessWhoseStartAndAskWereLostIsReportedNotRunningWithinASecondNotStartedTwice() {
    Regions regions = new Regions();
    regions.lose.add("Restore:112");
    regions.lose.add("Save:112");
    ActorRef<RestoreBatches.Command> fanOut = kit.spawn(RestoreBatches.create("n1", new EmulatorSharding.Refs(
        regions.spawn("processes"), null, null, null), ctx -> false, java.time.Duration.ofMillis(400), false));
    List<Process> ps = image().getProcessesList().subList(10, 16); // pids 111..116
    RestoreSlices whole = new RestoreSlices(image(), ps);
    TestProbe<RestoreBatches.Done> to = kit.createTestProbe();
    fanOut.tell(new RestoreBatches.Batch(8, RestoreBatches.Stage.PROCESSES, whole.processBatch(ps).toByteString(),
        List.of(), List.of(111, 112, 113, 114, 115, 116), "", false, 8000, to.getRef()));
    RestoreBatches.Done d = to.receiveMessage(java.time.Duration.ofSeconds(3));
    assertThat(d.running()).containsExactlyInAnyOrder(111, 113, 114, 115, 116);
    assertThat(d.notRunning()).containsExactly(112); // the driver starts it again, after its own ask
    assertThat(regions.restores).doesNotContainKey("112").hasSize(5);
  }

  @Test
  void theCoordinatorIsClearOnlyOnceItListsNoRegionOfANodeThatIsGone() {
    org.apache.pekko.actor.Address n1 = new org.apache.pekko.actor.Address("pekko", "lease-cr", "127.0.0.1", 25521);
    org.apache.pekko.actor.Address n2 = new org.apache.pekko.actor.Address("pekko", "lease-cr", "127.0.0.1", 25522);
    org.apache.pekko.actor.Address n3 = new org.apache.pekko.actor.Address("pekko", "lease-cr", "127.0.0.1", 25523);
    java.util.Set<org.apache.pekko.actor.Address> members = java.util.Set.of(n1, n3);
    // the removed n2's region still listed: the coordinator may still name it as a shard's home
    assertThat(RestoreBatches.coordinatorClear(java.util.Set.of(n1, n2, n3), members)).isFalse();
    // no answer, or a region that knows no coordinator yet (it answers an empty set): not known to be clear
    assertThat(RestoreBatches.coordinatorClear(null, members)).isFalse();
    assertThat(RestoreBatches.coordinatorClear(java.util.Set.of(), members)).isFalse();
    assertThat(RestoreBatches.coordinatorClear(java.util.Set.of(n1, n3), members)).isTrue();
    assertThat(RestoreBatches.coordinatorClear(java.util.Set.of(n3), members)).isTrue();
  }
}
