package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.time.TimeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's coordinator (CheckpointCoordinator.retrying) on a PostgreSQL journal that this test stops
 * and starts again: a commit sent while the database is down lands once it is back; one that cannot land
 * within its bound is answered as not committed; either way the next commit commits, and what was
 * committed before the outage reads back unchanged. On a PostgreSQL of its own (OwnPostgres, port 32432),
 * never the shared one; skipped without root and PostgreSQL's binaries, except under CI.
 */
class JournalOutageTest {

  @TempDir Path tmp;
  private OwnPostgres own;
  private ActorSystem<Void> system;
  private Path pgData;
  private String pgCtl;

  @AfterEach
  void stop() throws Exception {
    if (system != null) {
      Emulation.shutdown(system);
    }
    if (own != null) {
      own.stop();
    }
  }

  private ActorRef<CheckpointCoordinator.Command> start(Duration retryFor) throws Exception {
    own = OwnPostgres.start(32432, tmp); // skipped without root and PostgreSQL's binaries, except under CI
    java.util.Map<String, String> env = new java.util.HashMap<>();
    own.exportTo(env);
    String dir = env.get("LEASE_CR_PG_DIR");
    TestPostgres.Db db = new TestPostgres.Db(env.get("LEASE_CR_PG_URL"), env.get("LEASE_CR_PG_USER"),
        env.get("LEASE_CR_PG_PASSWORD"), "postgres", "");
    try (Stream<Path> bins = Files.list(Path.of("/usr/lib/postgresql"))) {
      pgCtl = bins.map(p -> p.resolve("bin/pg_ctl")).filter(Files::isExecutable).max(Comparator.naturalOrder())
          .map(Path::toString).orElseThrow(() -> new AssertionError("no pg_ctl under /usr/lib/postgresql"));
    }
    pgData = Path.of(dir, "data");
    Behavior<Void> guardian = Behaviors.setup(ctx -> {
      EmulatedTime.clock(ctx.getSystem()).setPaused(false);
      return Behaviors.empty();
    });
    system = ActorSystem.create(guardian, "outage", Journal.postgres(db.url(), db.user(), db.password()).config()
        .withFallback(EmulatorConfig.load(TimeMode.REAL, 1.0)));
    Journal.createSchema(system).toCompletableFuture().get(30, TimeUnit.SECONDS);
    CompletableFuture<CheckpointCoordinator.Listing> ready = new CompletableFuture<>();
    ActorRef<CheckpointCoordinator.Listing> readyRef = system.systemActorOf(
        Behaviors.receiveMessage(l -> {
          ready.complete(l);
          return Behaviors.same();
        }), "ready", org.apache.pekko.actor.typed.Props.empty());
    ActorRef<CheckpointCoordinator.Command> c = system.systemActorOf(
        CheckpointCoordinator.retrying(readyRef, retryFor), "checkpoints", org.apache.pekko.actor.typed.Props.empty());
    ready.get(30, TimeUnit.SECONDS);
    return c;
  }

  /** pg_ctl stop, or start with the options .ci/postgres.sh started it with (its port is not in its config). */
  private void pg(String what) throws Exception {
    String cmd = what.equals("stop") ? "'" + pgCtl + "' -D '" + pgData + "' -w -m fast stop"
        : "'" + pgCtl + "' -D '" + pgData + "' -l '" + pgData.getParent().resolve("server.log") + "' -w -o \"-p 32432 -k "
            + pgData.getParent() + " -c listen_addresses=127.0.0.1\" start";
    Process p = new ProcessBuilder("su", "postgres", "-s", "/bin/sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    if (what.equals("start") && p.exitValue() != 0 && !out.contains("already running")) {
      throw new AssertionError("pg_ctl start: " + out);
    }
  }

  private CompletableFuture<CheckpointCoordinator.Done> commit(ActorRef<CheckpointCoordinator.Command> c, String id,
      byte[] image) {
    return AskPattern.<CheckpointCoordinator.Command, CheckpointCoordinator.Done>ask(c,
        r -> new CheckpointCoordinator.Commit(id, 1000, "outage", image, r), Duration.ofSeconds(60),
        system.scheduler()).toCompletableFuture();
  }

  private String read(ActorRef<CheckpointCoordinator.Command> c, String id) throws Exception {
    CheckpointCoordinator.Found f = AskPattern.<CheckpointCoordinator.Command, CheckpointCoordinator.Found>ask(c,
        r -> new CheckpointCoordinator.Get(id, r), Duration.ofSeconds(30), system.scheduler())
        .toCompletableFuture().get(35, TimeUnit.SECONDS);
    return f.entry() == null ? "error: " + f.error() : f.entry().image().toString(StandardCharsets.UTF_8);
  }

  private List<String> ids(ActorRef<CheckpointCoordinator.Command> c) throws Exception {
    return AskPattern.<CheckpointCoordinator.Command, CheckpointCoordinator.Listing>ask(c,
            CheckpointCoordinator.ListAll::new, Duration.ofSeconds(30), system.scheduler())
        .toCompletableFuture().get(35, TimeUnit.SECONDS).entries().stream().map(CheckpointCoordinator.Entry::id).toList();
  }

  @Test
  void aCommitDuringAnOutageLandsWhenTheDatabaseIsBackAndOneThatCannotIsAnsweredWithinItsBound() throws Exception {
    String run = "outage-" + System.currentTimeMillis() + "-";
    ActorRef<CheckpointCoordinator.Command> c = start(Duration.ofSeconds(12));
    assertThat(commit(c, run + "C0", bytes("before the outage")).get(30, TimeUnit.SECONDS).error()).isNull();

    // 1. down for ~2 s around a commit: it lands once the database is back (the pool's 5 s connection time-out
    // and the back-off take their part), within the 12 s bound
    pg("stop");
    CompletableFuture<CheckpointCoordinator.Done> during = commit(c, run + "C1", bytes("during the outage"));
    Thread.sleep(1500);
    pg("start");
    long back = System.nanoTime();
    CheckpointCoordinator.Done landed = during.get(30, TimeUnit.SECONDS);
    assertThat(landed.error()).as("committed once the database is back").isNull();
    long landedMs = (System.nanoTime() - back) / 1_000_000;

    // 2. down for longer than the bound: answered as not committed, in words, without waiting for the database
    pg("stop");
    long t0 = System.nanoTime();
    CheckpointCoordinator.Done failed = commit(c, run + "C2", bytes("never")).get(45, TimeUnit.SECONDS);
    long failedMs = (System.nanoTime() - t0) / 1_000_000;
    pg("start");
    assertThat(failed.error()).startsWith("checkpoint " + run + "C2 is not committed: the journal failed 12000 ms ago");
    assertThat(failedMs).as("the bound (12 s) plus failure detection (<= 5 s) and one back-off").isBetween(12_000L, 25_000L);

    // 3. the coordinator recovered by itself: the next checkpoint commits, nothing committed was lost or changed
    assertThat(commit(c, run + "C3", bytes("after")).get(40, TimeUnit.SECONDS).error()).isNull();
    assertThat(ids(c)).contains(run + "C0", run + "C1", run + "C3").doesNotContain(run + "C2");
    assertThat(read(c, run + "C0")).isEqualTo("before the outage");
    assertThat(read(c, run + "C1")).isEqualTo("during the outage");
    System.out.printf("JournalOutageTest: a commit sent while PostgreSQL was down landed %d ms after it was back;"
        + " one that could not was answered after %d ms (bound 12000 ms)%n", landedMs, failedMs);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
