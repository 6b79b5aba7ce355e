package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Expectations;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.time.TimeMode;
import io.leasecr.node.cli.Main;
import io.leasecr.node.journal.JournalOptions;
import io.leasecr.proto.checkpoint.CheckpointChunk;
import io.leasecr.proto.checkpoint.CheckpointMarker;
import io.leasecr.proto.checkpoint.CheckpointRolledBack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checkpoint journal (pekko-persistence-jdbc), on embedded H2 and on PostgreSQL: a checkpoint
 * committed in one JVM is restored in another; list, export, import, delete; and a JVM killed with
 * SIGKILL while it writes checkpoints loses nothing that was committed. PostgreSQL is the one of
 * {@link TestPostgres}: LEASE_CR_PG_* (e.g. {@code eval "$(bash .ci/postgres.sh)"}), else a Testcontainers
 * container where Docker runs; without either the PostgreSQL cases are skipped, except under CI.
 */
@UsesConsole
class JournalTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  private static final String RESTART = """
      name: restart-from-journal
      files:
        - path: /data/F1
      processes:
        - {name: P1, pid: 101}
        - {name: P2, pid: 102}
      steps:
        - {at: 10s, restart: %s, journal: true}
        - at: 10s
          proc_locks: true
          expect: {locks: ["1: LEASE  BREAKING  UNLCK 101 00:2a:1001 0 EOF", "1: -> LEASE  BREAKER   WRITE 102 <none>:0 0 EOF"]}
      expect:
        - {proc: P1, signal: SIGIO, count: 0}
      """;

  private final String tag = Long.toHexString(System.nanoTime() & 0xffffffL);

  /** The PostgreSQL of a postgres case, once {@link #journal} has chosen it. */
  private TestPostgres.Db pg;

  private int run(String... args) {
    output.reset();
    return Main.run(args);
  }

  /** The command-line options that select the journal; PostgreSQL is {@link TestPostgres}'s. */
  private String[] journal(String kind) {
    if (kind.equals("postgres")) {
      pg = TestPostgres.require();
    }
    return new String[] {"--journal", kind, "--data", tmp.resolve("data").toString()};
  }

  private static String[] args(String[] journal, String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + journal.length);
    System.arraycopy(journal, 0, all, args.length, journal.length);
    return all;
  }

  private Process jvm(Path log, String... args) throws Exception {
    return jvm(log, List.of(), args);
  }

  private Process jvm(Path log, List<String> jvmOptions, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (pg != null) {
      pg.exportTo(pb.environment());
    }
    return pb.start();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void committedInOneJvmRestoredInAnother(String kind) throws Exception {
    String[] j = journal(kind);
    String id = "C1-" + tag;
    Files.writeString(tmp.resolve("seed-checkpoint.yaml"), Files.readString(
        ShippedScenarios.root().resolve("examples/seed-checkpoint.yaml")).replace("checkpoint: C1", "checkpoint: " + id));
    assertThat(run(args(j, "run", tmp.resolve("seed-checkpoint.yaml").toString()))).as(output.err()).isZero();
    assertThat(output.out()).contains("checkpoint " + id + ": 2 processes, 1 leases").contains("tree stopped");

    Path restart = tmp.resolve("restart.yaml");
    Files.writeString(restart, RESTART.formatted(id));
    Path log = tmp.resolve("second-jvm.log");
    Process second = jvm(log, args(j, "run", restart.toString()));
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = Files.readString(log);
    assertThat(second.exitValue()).as(text).isZero();
    assertThat(text).contains("open(...) restarted after restore (-ERESTARTSYS)")
        .contains("14.000s  P2[102]    <... open resumed> = 3");

    assertThat(run(args(j, "checkpoint", "list"))).isZero();
    assertThat(output.out()).contains(id).contains("seed-checkpoint");
    Path image = tmp.resolve("c1.img");
    assertThat(run(args(j, "image", "export", id, "--out", image.toString()))).isZero();
    assertThat(run("image", "edit", image.toString(), "--remaining", "2s")).isZero();
    String shorter = id + "-short";
    assertThat(run(args(j, "image", "import", image.toString(), "--id", shorter))).isZero();
    Files.writeString(restart, RESTART.formatted(shorter));
    assertThat(run(args(j, "run", restart.toString()))).isZero();
    assertThat(output.out()).contains("12.000s  P2[102]    <... open resumed> = 3");
    assertThat(run(args(j, "checkpoint", "delete", shorter))).isZero();
    assertThat(run(args(j, "checkpoint", "delete", shorter))).isEqualTo(2);
    assertThat(output.err()).contains("no checkpoint " + shorter);
    assertThat(run(args(j, "run", restart.toString()))).isEqualTo(2);
    assertThat(output.err()).contains("no checkpoint " + shorter + " in the journal");
    assertThat(run(args(j, "checkpoint", "delete", id))).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void aJvmKilledWhileWritingCheckpointsLosesNothingCommitted(String kind) throws Exception {
    String[] j = journal(kind);
    StringBuilder s = new StringBuilder("""
        name: many-checkpoints
        files:
          - path: /data/F1
        processes:
        """);
    for (int i = 0; i < 2000; i++) {
      s.append("  - {name: Q").append(i).append(", pid: ").append(1000 + i).append("}\n");
    }
    s.append("steps:\n");
    for (int i = 1; i <= 4000; i++) {
      s.append("  - {at: ").append(i).append("s, checkpoint: K").append(tag).append('-').append(i)
          .append(", leave_running: true}\n");
    }
    Path scenario = tmp.resolve("many.yaml");
    Files.writeString(scenario, s);
    Path log = tmp.resolve("killed-jvm.log");
    long before = committed(kind); // a PostgreSQL journal is shared with earlier tests and runs
    Process victim = jvm(log, args(j, "run", "--quiet", scenario.toString()));
    // wait until a few checkpoints (about 100 KB each) are committed; the whole run would take far longer
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (committed(kind) < before + 5 && System.nanoTime() < deadline && victim.isAlive()) {
      Thread.sleep(100);
    }
    assertThat(victim.isAlive()).as(Files.readString(log)).isTrue();
    new ProcessBuilder("kill", "-9", String.valueOf(victim.pid())).start().waitFor();
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(victim.exitValue()).isEqualTo(137);

    assertThat(run(args(j, "checkpoint", "list"))).as(output.err()).isZero();
    String listing = output.out();
    String prefix = "K" + tag + "-";
    long committed = listing.lines().filter(l -> l.startsWith(prefix)).count();
    assertThat(committed).isBetween(5L, 3999L);
    // every committed checkpoint is whole: it exports to an image that parses and shows the whole tree
    for (String id : List.of(prefix + 1, prefix + committed)) {
      Path image = tmp.resolve(id + ".img");
      assertThat(run(args(j, "image", "export", id, "--out", image.toString())))
          .as("export %s after the listing:%n%s%n%s", id, listing, output.err()).isZero();
      assertThat(run("image", "show", image.toString())).isZero();
      assertThat(output.out()).contains("Q1999[2999]");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void everyCheckpointScenarioMeetsItsExpectationsWithTheJournal(String kind) throws Exception {
    String[] j = journal(kind);
    Journal journal = JournalOptions.choose(kind, j[3]);
    List<Path> scenarios = ShippedScenarios.all().stream().filter(p -> p.toString().contains("/checkpoint/")).toList();
    assertThat(scenarios).hasSizeGreaterThanOrEqualTo(12);
    for (Path p : scenarios) {
      Scenario sc = ScenarioParser.parse(p);
      Emulation.Result r = Emulation.run(sc, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), ConfigFactory.empty(), journal);
      assertThat(Expectations.check(sc, r.events())).as(p + " on " + kind).isEmpty();
      assertThat(r.events()).as(p + ": committed to the journal")
          .anySatisfy(e -> assertThat(e.kind().equals("checkpoint") && "committed".equals(e.arg("journal"))).isTrue());
    }
  }

  /**
   * A checkpoint counts once its marker is in the journal: a JVM killed after a checkpoint's chunks are
   * written and before its marker (held there by a test hook, then SIGKILL) leaves chunks that are never
   * listed nor restored, and that the next start deletes; the next commit takes their place.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void aJvmKilledBetweenChunksAndMarkerLeavesNoCheckpoint(String kind) throws Exception {
    String[] j = journal(kind);
    StringBuilder s = new StringBuilder("""
        name: killed-before-marker
        files:
          - path: /data/F1
        processes:
        """);
    for (int i = 0; i < 300; i++) {
      s.append("  - {name: Q").append(i).append(", pid: ").append(1000 + i).append("}\n");
    }
    String first = "M" + tag + "-1";
    String second = "M" + tag + "-2";
    s.append("steps:\n  - {at: 1s, checkpoint: ").append(first).append(", leave_running: true}\n")
        .append("  - {at: 2s, checkpoint: ").append(second).append(", leave_running: true}\n")
        .append("  - {at: 3s, checkpoint: M").append(tag).append("-3, leave_running: true}\n");
    Path scenario = tmp.resolve("killed.yaml");
    Files.writeString(scenario, s);
    Matcher m = killedAtPause(j, scenario, "pause-before-marker", second,
        "checkpoint " + second + ": (\\d+) chunk\\(s\\) written to (\\S+); pausing before its marker");
    int chunks = Integer.parseInt(m.group(1));
    String chunkId = m.group(2);
    assertThat(chunks).isGreaterThan(1);
    assertThat(chunkRows(kind, chunkId)).as("the chunks are in the journal, without a marker").isEqualTo(chunks);

    assertThat(run(args(j, "checkpoint", "list"))).as(output.err()).isZero();
    assertThat(output.out()).contains(first).doesNotContain(second);
    assertThat(chunkRows(kind, chunkId)).as("deleted when the coordinator started").isZero();
    assertThat(run(args(j, "image", "export", second, "--out", tmp.resolve("no.img").toString()))).isEqualTo(2);
    assertThat(output.err()).contains("no committed checkpoint " + second);

    // the next commit goes into the same chunk set, after the deleted chunks, and restores whole
    Path image = tmp.resolve("first.img");
    assertThat(run(args(j, "image", "export", first, "--out", image.toString()))).as(output.err()).isZero();
    assertThat(run(args(j, "image", "import", image.toString(), "--id", second))).as(output.err()).isZero();
    assertThat(marker(kind, second).getChunksPersistenceId()).isEqualTo(chunkId);
    assertThat(run(args(j, "image", "export", second, "--out", tmp.resolve("second.img").toString())))
        .as(output.err()).isZero();
    assertThat(run("image", "show", tmp.resolve("second.img").toString())).isZero();
    assertThat(output.out()).contains("Q299[1299]");
    assertThat(run(args(j, "checkpoint", "delete", first))).isZero();
    assertThat(run(args(j, "checkpoint", "delete", second))).isZero();
  }

  /**
   * A JVM killed with the marker of a commit written and its chunks not (the two are written at once,
   * either may land first): the next start rolls the marker back before it lists anything. A commit
   * that replaced a checkpoint gives that checkpoint back, whole; a new one is simply not there.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void aJvmKilledBetweenMarkerAndChunksIsRolledBack(String kind) throws Exception {
    String[] j = journal(kind);
    String id = "R" + tag;
    assertThat(run(args(j, "run", "--quiet", tree("first", 40, id).toString()))).as(output.err()).isZero();
    Path before = tmp.resolve("before.img");
    assertThat(run(args(j, "image", "export", id, "--out", before.toString()))).as(output.err()).isZero();

    // stale chunks in the next chunk set first (killed between chunks and marker): the next start deletes
    // them, keeping the highest row, so the replacing commit's chunks are to start after it
    String stale = id + "-stale";
    killedAtPause(j, tree("stale", 40, stale), "pause-before-marker", stale,
        "checkpoint " + stale + ": (\\d+) chunk\\(s\\) written to (\\S+); pausing before its marker");
    Matcher m = killedAtPause(j, tree("replacing", 70, id), "pause-before-chunks", id, "checkpoint " + id
        + ": its marker is written, its (\\d+) chunk\\(s\\) to (\\S+) are not; pausing before its chunks");
    CheckpointMarker replacing = marker(kind, id);
    assertThat(replacing.getChunksPersistenceId()).as("the replacing marker is the last one").isEqualTo(m.group(2));
    assertThat(replacing.getFirstSequenceNr()).as("after the deleted stale chunks").isGreaterThan(1);
    assertThat(chunkRows(kind, m.group(2))).isZero();

    assertThat(run(args(j, "checkpoint", "list"))).as(output.err()).isZero();
    assertThat(output.out()).contains(id).doesNotContain(stale);
    Path after = tmp.resolve("after.img");
    assertThat(run(args(j, "image", "export", id, "--out", after.toString()))).as(output.err()).isZero();
    assertThat(Files.readAllBytes(after)).as("the replaced checkpoint, whole").isEqualTo(Files.readAllBytes(before));
    assertThat(rolledBack(kind, id)).isEqualTo(1);

    String fresh = id + "-new";
    killedAtPause(j, tree("new", 70, fresh), "pause-before-chunks", fresh, "checkpoint " + fresh
        + ": its marker is written, its (\\d+) chunk\\(s\\) to (\\S+) are not; pausing before its chunks");
    assertThat(run(args(j, "checkpoint", "list"))).as(output.err()).isZero();
    assertThat(output.out()).contains(id).doesNotContain(fresh);
    assertThat(rolledBack(kind, id)).isEqualTo(2);
    assertThat(run(args(j, "image", "export", fresh, "--out", tmp.resolve("no.img").toString()))).isEqualTo(2);
    assertThat(output.err()).contains("no committed checkpoint " + fresh);
    assertThat(run(args(j, "image", "import", before.toString(), "--id", fresh))).as(output.err()).isZero();
    assertThat(run(args(j, "image", "export", fresh, "--out", after.toString()))).as(output.err()).isZero();
    assertThat(run("image", "show", after.toString())).isZero();
    assertThat(output.out()).contains("Q39[1039]").doesNotContain("Q69[1069]");
    assertThat(run(args(j, "checkpoint", "delete", id))).isZero();
    assertThat(run(args(j, "checkpoint", "delete", fresh))).isZero();
  }

  /** A scenario file: {@code processes} idle processes and checkpoint {@code id} of them at 1 s. */
  private Path tree(String name, int processes, String id) throws Exception {
    StringBuilder s = new StringBuilder("name: " + name + "\nfiles:\n  - path: /data/F1\nprocesses:\n");
    for (int i = 0; i < processes; i++) {
      s.append("  - {name: Q").append(i).append(", pid: ").append(1000 + i).append("}\n");
    }
    s.append("steps:\n  - {at: 1s, checkpoint: ").append(id).append(", leave_running: true}\n");
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(file, s);
    return file;
  }

  /**
   * Runs {@code scenario} in a JVM of its own with test hook {@code hook} on checkpoint {@code id} (and
   * small chunks, so that a checkpoint is several of them), waits for the line saying it paused, lets
   * the database settle and kills the JVM with SIGKILL. The pause line's match.
   */
  private Matcher killedAtPause(String[] j, Path scenario, String hook, String id, String pauseLine) throws Exception {
    Path log = tmp.resolve("paused-" + id + ".log");
    Process victim = jvm(log, List.of("-Dlease-cr.checkpoint.chunk-bytes=4k", "-Dlease-cr.checkpoint." + hook + "=" + id),
        args(j, "run", "--quiet", scenario.toString()));
    Pattern paused = Pattern.compile(pauseLine);
    Matcher m = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (m == null && System.nanoTime() < deadline && victim.isAlive()) {
      Matcher found = paused.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (found.find()) {
        m = found;
      } else {
        Thread.sleep(100);
      }
    }
    assertThat(m).as(Files.readString(log)).isNotNull();
    Thread.sleep(2000); // H2 writes committed data to its file within a second: let it, as a real crash would
    new ProcessBuilder("kill", "-9", String.valueOf(victim.pid())).start().waitFor();
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(victim.exitValue()).isEqualTo(137);
    return m;
  }

  /** Roll-backs recorded in the journal of checkpoints whose id starts with {@code prefix}. */
  private long rolledBack(String kind, String prefix) throws Exception {
    long count = 0;
    try (Connection c = connect(kind); ResultSet r = c.createStatement().executeQuery(
        "select \"event_payload\" from \"event_journal\" where \"persistence_id\" = 'lease-cr-checkpoints'"
            + " and \"event_ser_manifest\" = 'ck-rolled-back'")) {
      while (r.next()) {
        count += CheckpointRolledBack.parseFrom(r.getBytes(1)).getId().startsWith(prefix) ? 1 : 0;
      }
    }
    return count;
  }

  /** A chunk changed or lost in the database: the checkpoint is refused, with its id and the reason. */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void aDamagedCheckpointIsRefusedByName(String kind) throws Exception {
    String[] j = journal(kind);
    String id = "D1-" + tag;
    Files.writeString(tmp.resolve("seed-checkpoint.yaml"), Files.readString(
        ShippedScenarios.root().resolve("examples/seed-checkpoint.yaml")).replace("checkpoint: C1", "checkpoint: " + id));
    assertThat(run(args(j, "run", tmp.resolve("seed-checkpoint.yaml").toString()))).as(output.err()).isZero();
    CheckpointMarker marker = marker(kind, id);
    try (Connection c = connect(kind); PreparedStatement read = c.prepareStatement(
        "select \"event_payload\" from \"event_journal\" where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
      read.setString(1, marker.getChunksPersistenceId());
      read.setLong(2, marker.getFirstSequenceNr());
      ResultSet r = read.executeQuery();
      assertThat(r.next()).isTrue();
      byte[] data = CheckpointChunk.parseFrom(r.getBytes(1)).getData().toByteArray();
      data[data.length / 2] ^= 1;
      try (PreparedStatement write = c.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
          + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
        write.setBytes(1, CheckpointChunk.newBuilder().setData(ByteString.copyFrom(data)).build().toByteArray());
        write.setString(2, marker.getChunksPersistenceId());
        write.setLong(3, marker.getFirstSequenceNr());
        assertThat(write.executeUpdate()).isEqualTo(1);
      }
    }
    assertThat(run(args(j, "image", "export", id, "--out", tmp.resolve("d.img").toString()))).isEqualTo(1);
    assertThat(output.err())
        .contains("checkpoint " + id + " cannot be restored from the journal: its chunks are damaged: CRC32");
    Path restart = tmp.resolve("restart.yaml");
    Files.writeString(restart, RESTART.formatted(id));
    assertThat(run(args(j, "run", restart.toString()))).isEqualTo(2);
    assertThat(output.err()).contains("checkpoint " + id + " cannot be restored from the journal");

    // a later commit, so that this one is not the last: a last marker with none of its chunks is taken
    // for a crash between the two writes and rolled back at start-up (aJvmKilledBetweenMarkerAndChunks...)
    String later = id + "-later";
    Files.writeString(tmp.resolve("later.yaml"), Files.readString(
        ShippedScenarios.root().resolve("examples/seed-checkpoint.yaml")).replace("checkpoint: C1", "checkpoint: " + later));
    assertThat(run(args(j, "run", tmp.resolve("later.yaml").toString()))).as(output.err()).isZero();
    try (Connection c = connect(kind); PreparedStatement lose = c.prepareStatement(
        "delete from \"event_journal\" where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
      lose.setString(1, marker.getChunksPersistenceId());
      lose.setLong(2, marker.getFirstSequenceNr());
      assertThat(lose.executeUpdate()).isEqualTo(1);
    }
    assertThat(run(args(j, "image", "export", id, "--out", tmp.resolve("d.img").toString()))).isEqualTo(1);
    assertThat(output.err())
        .contains("checkpoint " + id + " cannot be restored from the journal: only 0 of its 1 chunks");
    assertThat(run(args(j, "checkpoint", "delete", id))).isZero();
    assertThat(run(args(j, "checkpoint", "delete", later))).isZero();
  }

  /**
   * Journals written before chunks (one {@code ck-committed} event holding the whole image) still list,
   * export and restore: the event is written here as that version wrote it, through the same serializer.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgres"})
  void checkpointsOfTheFirstFormatStillListAndRestore(String kind) throws Exception {
    String[] j = journal(kind);
    String id = "L1-" + tag;
    Files.writeString(tmp.resolve("seed-checkpoint.yaml"), Files.readString(
        ShippedScenarios.root().resolve("examples/seed-checkpoint.yaml")).replace("checkpoint: C1", "checkpoint: " + id));
    assertThat(run(args(j, "run", tmp.resolve("seed-checkpoint.yaml").toString()))).as(output.err()).isZero();
    Path image = tmp.resolve("l1.img");
    assertThat(run(args(j, "image", "export", id, "--out", image.toString()))).as(output.err()).isZero();
    assertThat(run(args(j, "checkpoint", "delete", id))).isZero();
    byte[] bytes = Files.readAllBytes(image);
    // that version's event held the bare protobuf image (image files have a checked header since)
    byte[] payload = ImageFiles.read(image).toByteArray();
    LegacyWriter.write(JournalOptions.choose(kind, j[3]),
        new CheckpointCoordinator.Committed(id, 41_000, "seed-checkpoint", ByteString.copyFrom(payload)));

    assertThat(run(args(j, "checkpoint", "list"))).as(output.err()).isZero();
    assertThat(output.out()).containsPattern(id + " +seed-checkpoint +41\\.000s +" + payload.length);
    Path back = tmp.resolve("back.img");
    assertThat(run(args(j, "image", "export", id, "--out", back.toString()))).as(output.err()).isZero();
    assertThat(Files.readAllBytes(back)).isEqualTo(bytes);
    Path restart = tmp.resolve("restart.yaml");
    Files.writeString(restart, RESTART.formatted(id));
    assertThat(run(args(j, "run", restart.toString()))).as(output.err()).isZero();
    assertThat(output.out()).contains("14.000s  P2[102]    <... open resumed> = 3");
    assertThat(run(args(j, "checkpoint", "delete", id))).isZero();
  }

  /** What the coordinator did with a commit before chunks: one event holding the image. */
  private static final class LegacyWriter
      extends EventSourcedBehavior<ActorRef<String>, CheckpointCoordinator.Event, String> {

    private final CheckpointCoordinator.Committed event;

    private LegacyWriter(CheckpointCoordinator.Committed event) {
      super(CheckpointCoordinator.PERSISTENCE_ID);
      this.event = event;
    }

    static void write(Journal journal, CheckpointCoordinator.Committed event) throws Exception {
      ActorSystem<ActorRef<String>> system = ActorSystem.create(new LegacyWriter(event), "legacy",
          journal.config().withFallback(ConfigFactory.load()));
      try {
        Journal.createSchema(system).toCompletableFuture().get(30, TimeUnit.SECONDS);
        AskPattern.<ActorRef<String>, String>ask(system, r -> r, Duration.ofSeconds(30), system.scheduler())
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      } finally {
        Emulation.shutdown(system);
      }
    }

    @Override
    public String emptyState() {
      return "";
    }

    @Override
    public CommandHandler<ActorRef<String>, CheckpointCoordinator.Event, String> commandHandler() {
      return (state, replyTo) -> Effect().persist(event).thenRun(s -> replyTo.tell("written"));
    }

    @Override
    public EventHandler<String, CheckpointCoordinator.Event> eventHandler() {
      return (state, e) -> state;
    }
  }

  /** The marker of checkpoint {@code id}, read from the database. */
  private CheckpointMarker marker(String kind, String id) throws Exception {
    CheckpointMarker found = null;
    try (Connection c = connect(kind); ResultSet r = c.createStatement().executeQuery(
        "select \"event_payload\" from \"event_journal\" where \"persistence_id\" = 'lease-cr-checkpoints'"
            + " and \"event_ser_manifest\" = 'ck-marker' order by \"sequence_number\"")) {
      while (r.next()) {
        CheckpointMarker m = CheckpointMarker.parseFrom(r.getBytes(1));
        if (m.getId().equals(id)) {
          found = m;
        }
      }
    }
    assertThat(found).as("the marker of " + id).isNotNull();
    return found;
  }

  /** Chunk events of {@code persistenceId} that are not (marked) deleted. */
  private long chunkRows(String kind, String persistenceId) throws Exception {
    try (Connection c = connect(kind); PreparedStatement st = c.prepareStatement(
        "select count(*) from \"event_journal\" where \"persistence_id\" = ? and \"deleted\" = false")) {
      st.setString(1, persistenceId);
      ResultSet r = st.executeQuery();
      r.next();
      return r.getLong(1);
    }
  }

  /** The journal's database, outside Pekko (an H2 file: only while no other JVM has it open). */
  private Connection connect(String kind) throws Exception {
    Journal journal = JournalOptions.choose(kind, tmp.resolve("data").toString());
    return DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
  }

  /** Checkpoints of this test in the journal, seen from outside the writing JVM. */
  private long committed(String kind) throws Exception {
    if (kind.equals("h2")) {
      // an embedded H2 database is locked by the JVM that writes it: watch its file grow instead
      Path db = tmp.resolve("data").resolve("journal.mv.db");
      return Files.exists(db) ? Files.size(db) / 400_000 : 0;
    }
    try (Connection c = pg.connect(); ResultSet r = c.createStatement().executeQuery(
        "select count(*) from event_journal where persistence_id = 'lease-cr-checkpoints'"
            + " and event_ser_manifest = 'ck-marker'")) { // commits only, not deletes or purges
      return r.next() ? r.getLong(1) : 0;
    } catch (java.sql.SQLException e) {
      return 0; // the schema is not there yet
    }
  }
}
