package io.leasecr.node.bench;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.scenario.StepExpectation;
import io.leasecr.core.time.TimeMode;
import io.leasecr.node.journal.JournalClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint and restart of N processes, each holding a file open, 1% of them holding a lease that a
 * breaker has in mid-break: the checkpoint in one run (committed to the journal), the restart in a
 * second run (fetched from the journal); then the journal alone (the image's bytes committed through
 * the checkpoint coordinator, chunks and marker, and read back with Get) and the same bytes written
 * and read with raw batched JDBC, interleaved: {@code warmup} times untimed (the JIT compiles both paths),
 * then {@code repeats} times (medians count). Beside them, the journal's floor: a commit and a get of
 * one byte (its fixed cost per operation) and the memory work the journal must do on the image's bytes
 * (CRC32 and one copy): what the ratio would be if the journal added only that floor to raw JDBC's work.
 */
final class CheckpointBench {

  /** How many interleaved repetitions are not timed, and how many are (medians count). */
  record Repetitions(int warmup, int repeats) {
    Repetitions {
      if (warmup < 0 || repeats < 1) {
        throw new IllegalArgumentException("warm-up must be >= 0 and repetitions >= 1");
      }
    }
  }

  record Result(int processes, long imageBytes, int chunks, double checkpointSeconds, double restartSeconds,
      double journalWriteSeconds, double journalReadSeconds, double rawWriteSeconds, double rawReadSeconds,
      Floor floor) {

    // our throughput as a share of raw JDBC's on the same bytes: raw time / our time

    double checkpointRatio() {
      return rawWriteSeconds / checkpointSeconds;
    }

    double restartRatio() {
      return rawReadSeconds / restartSeconds;
    }

    double journalWriteRatio() {
      return rawWriteSeconds / journalWriteSeconds;
    }

    double journalReadRatio() {
      return rawReadSeconds / journalReadSeconds;
    }

    double withFloorWriteRatio() {
      return floor.withFloorWriteRatio(rawWriteSeconds);
    }

    double withFloorReadRatio() {
      return floor.withFloorReadRatio(rawReadSeconds);
    }
  }

  /**
   * What no journal of this design can go below: a commit and a get of one byte (actor messages, the
   * journal plugin, its transactions), and CRC32 plus one copy of the image's bytes. {@code askSeconds}:
   * an ask the coordinator answers at once (a listing), the part no actor-based journal can avoid.
   */
  record Floor(double askSeconds, double commitSeconds, double getSeconds, double crcAndCopySeconds) {

    /**
     * Raw time over (raw time + the fixed cost + the memory work): the ratio if the journal added only
     * this floor to raw JDBC's work (it can do better on large images: its rows are bigger).
     */
    double withFloorWriteRatio(double rawWrite) {
      return rawWrite / (rawWrite + commitSeconds + crcAndCopySeconds);
    }

    double withFloorReadRatio(double rawRead) {
      return rawRead / (rawRead + getSeconds + crcAndCopySeconds);
    }
  }

  private CheckpointBench() {}

  static Result run(int n, Journal journal, String jdbcUrl, String user, String password, Repetitions reps)
      throws Exception {
    String id = "bench-" + n + "-" + Long.toHexString(System.nanoTime());
    int breakers = Math.max(1, n / 100);
    Vfs.Builder vfs = Vfs.builder();
    for (int i = 0; i < n; i++) {
      vfs.file("/bench/" + i, 0, Inode.Kind.REGULAR, true);
    }
    Vfs files = vfs.build();
    List<Scenario.ProcessDecl> procs = new ArrayList<>();
    Map<Integer, Disposition> handler = Map.of(Signals.SIGIO, Disposition.HANDLER);
    List<Reaction> silent = List.of(new Reaction(Signals.SIGIO, Reaction.Action.NOTHING, 0, 0, -1));
    for (int i = 0; i < n + breakers; i++) {
      procs.add(new Scenario.ProcessDecl(new ProcessSpec(1000 + i, 1, "p" + i, Credentials.ROOT,
          i < n ? handler : Map.of(), i < n ? silent : List.of(), 1), null, false, 0));
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      steps.add(call(steps, 0, procs.get(i), new Syscall.Open("/bench/" + i, AccessMode.O_RDONLY, false, false)));
    }
    for (int b = 0; b < breakers; b++) {
      steps.add(call(steps, 0, procs.get(b), new Syscall.Fcntl(3, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.WRLCK.value)));
      steps.add(call(steps, 1000, procs.get(n + b), new Syscall.Open("/bench/" + b, AccessMode.O_WRONLY, false, false)));
    }
    steps.add(new Step(steps.size() + 1, 0, 10_000, new Step.Checkpoint(id, null, false), StepExpectation.NONE));
    Map<String, Long> sysctls = Map.of("fs.lease-break-time", 45L, "fs.leases-enable", 1L);
    Scenario first = new Scenario("bench", "checkpoint-bench", "", 1, sysctls, files, procs, steps, List.of(), 0);
    long[] checkpoint = timeBetweenLastEventAnd(first, journal, "checkpoint");

    List<Scenario.ProcessDecl> none = procs.stream()
        .map(p -> new Scenario.ProcessDecl(p.spec(), null, true, 0)).toList(); // all come from the image
    Scenario second = new Scenario("bench", "restart-bench", "", 1, sysctls, files, none,
        List.of(new Step(1, 0, 20_000, new Step.Restart(id, null, "remaining", false, null, true), StepExpectation.NONE)),
        List.of(), 0);
    // the whole second run: actor system, journal open and replay, fetch, restore of every process, idle
    double restartSeconds = Emulation.run(second, TimeMode.VIRTUAL, 1, Duration.ofMinutes(30), ConfigFactory.empty(),
        journal).wallMillis() / 1000.0;

    long bytes = checkpoint[1];
    int repeats = reps.repeats();
    double[][] times = new double[8][repeats]; // journal write, read, raw write, read, 1-byte commit, get, memory, ask
    int chunks;
    List<String> written = new ArrayList<>(List.of(id));
    try (JournalClient client = new JournalClient(journal);
        Connection raw = DriverManager.getConnection(jdbcUrl, user, password)) {
      CheckpointCoordinator.Entry stored = client.<CheckpointCoordinator.Found>ask(r -> new CheckpointCoordinator.Get(id, r))
          .entry();
      if (stored == null || stored.size() != bytes) {
        throw new IllegalStateException("checkpoint " + id + " is not in the journal as committed");
      }
      chunks = stored.chunks();
      byte[] image = stored.image().toByteArray();
      createRawTable(raw, jdbcUrl);
      for (int rep = -reps.warmup(); rep < repeats; rep++) { // below 0: the warm-up, not counted
        String copy = id + "-copy" + (rep + reps.warmup());
        written.add(copy);
        double[] j = commitAndGet(client, copy, stored, image);
        double[] r = rawJdbc(raw, image);
        written.add(copy + "-byte");
        double[] one = commitAndGet(client, copy + "-byte", stored, new byte[] {42});
        double memory = crcAndCopy(image);
        long a0 = System.nanoTime();
        client.<CheckpointCoordinator.Listing>ask(CheckpointCoordinator.ListAll::new);
        double ask = (System.nanoTime() - a0) / 1e9;
        if (rep >= 0) {
          double[] all = {j[0], j[1], r[0], r[1], one[0], one[1], memory, ask};
          for (int k = 0; k < all.length; k++) {
            times[k][rep] = all[k];
          }
        }
      }
      dropRawTable(raw);
      // leave the journal as it was: these are purged when a coordinator next starts (not timed)
      for (String gone : written) {
        client.<CheckpointCoordinator.Done>ask(r -> new CheckpointCoordinator.Delete(gone, r));
      }
    }
    new JournalClient(journal).close(); // the purge, so that it does not fall into the next restart's time
    return new Result(n, bytes, chunks, checkpoint[0] / 1e9, restartSeconds, median(times[0]), median(times[1]),
        median(times[2]), median(times[3]), new Floor(median(times[7]), median(times[4]), median(times[5]),
        median(times[6])));
  }

  /** Commits {@code image} as checkpoint {@code id} and gets it back: the seconds each took. */
  private static double[] commitAndGet(JournalClient client, String id, CheckpointCoordinator.Entry like, byte[] image)
      throws Exception {
    long t0 = System.nanoTime();
    CheckpointCoordinator.Done done = client.ask(r -> new CheckpointCoordinator.Commit(id, like.takenAtMs(),
        like.scenario(), image, r));
    long t1 = System.nanoTime();
    CheckpointCoordinator.Found found = client.ask(r -> new CheckpointCoordinator.Get(id, r));
    long t2 = System.nanoTime();
    if (done.error() != null || found.entry() == null
        || !found.entry().image().equals(com.google.protobuf.UnsafeByteOperations.unsafeWrap(image))) {
      throw new IllegalStateException("the journal did not give back the bytes of " + id + ": "
          + (done.error() != null ? done.error() : found.error()));
    }
    return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
  }

  /** The memory work on the image's bytes that any checked journal does: CRC32 of them, and one copy. */
  private static double crcAndCopy(byte[] image) {
    long t0 = System.nanoTime();
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(image);
    byte[] copy = image.clone();
    long t1 = System.nanoTime();
    if (copy[copy.length - 1] != image[image.length - 1] || crc.getValue() == -1) {
      throw new IllegalStateException("unreachable: a copy differs");
    }
    return (t1 - t0) / 1e9;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  private static Step call(List<Step> steps, long at, Scenario.ProcessDecl p, Syscall call) {
    return new Step(steps.size() + 1, 0, at, new Step.Call(p.name(), p.pid(), call), StepExpectation.NONE);
  }

  /** Wall time from the event before {@code kind} to {@code kind}, and the checkpoint's image size. */
  private static long[] timeBetweenLastEventAnd(Scenario s, Journal journal, String kind) {
    long[] last = new long[1];
    long[] result = new long[2];
    Emulation.run(s, TimeMode.VIRTUAL, 1, Duration.ofMinutes(30), ConfigFactory.empty(), journal, e -> {
      long now = System.nanoTime();
      if (e.kind().equals(kind)) {
        result[0] = now - last[0];
        result[1] = ((Number) e.arg("bytes")).longValue();
      }
      last[0] = now;
    });
    return result;
  }

  /**
   * The floor: the image's bytes in 64 KB rows, written in one batch and one transaction and read back,
   * plain JDBC on a connection already open (as the journal's pool is).
   */
  private static double[] rawJdbc(Connection c, byte[] image) throws Exception {
    int rowBytes = 64 * 1024;
    try (Statement st = c.createStatement()) {
      st.execute("delete from raw_bench");
    }
    c.commit();
    List<byte[]> rows = new ArrayList<>(); // cut before the clock starts: the journal gets its bytes whole too
    for (int off = 0; off < image.length; off += rowBytes) {
      rows.add(java.util.Arrays.copyOfRange(image, off, Math.min(image.length, off + rowBytes)));
    }
    long t0 = System.nanoTime();
    try (PreparedStatement ps = c.prepareStatement("insert into raw_bench (id, payload) values (?, ?)")) {
      for (int row = 0; row < rows.size(); row++) {
        ps.setLong(1, row);
        ps.setBytes(2, rows.get(row));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    c.commit();
    long t1 = System.nanoTime();
    long read = 0;
    try (Statement st = c.createStatement(); ResultSet r = st.executeQuery("select payload from raw_bench order by id")) {
      while (r.next()) {
        read += r.getBytes(1).length;
      }
    }
    c.commit();
    long t2 = System.nanoTime();
    if (read != image.length) {
      throw new IllegalStateException("raw read " + read + " of " + image.length + " bytes");
    }
    return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
  }

  private static void createRawTable(Connection c, String url) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("create table if not exists raw_bench (id bigint primary key, payload "
          + (url.startsWith("jdbc:postgresql") ? "bytea" : "varbinary(65536)") + ")");
    }
    c.setAutoCommit(false);
    c.commit();
  }

  private static void dropRawTable(Connection c) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("drop table raw_bench");
    }
    c.commit();
  }
}
