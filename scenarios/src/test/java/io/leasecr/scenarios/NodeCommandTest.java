package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to `emulator node`: an unreachable journal database, a journal table with the wrong schema,
 * a seed that is no lease-cr node. Each exits non-zero within seconds with one clear line, no stack
 * trace, and no committed checkpoint is touched (the journal's rows are listed before and after). The
 * journal is {@link TestPostgres}'s; the first two need it (skipped without it, except under CI).
 */
class NodeCommandTest {

  @TempDir Path tmp;

  private record Run(int code, String out, long ms) {}

  /** A node JVM with the database's login, and its URL only if {@code withUrl} (else --pg-url names one). */
  private Run node(List<String> args, TestPostgres.Db pg, boolean withUrl) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("node.log").toFile());
    if (pg != null) {
      pg.exportTo(pb.environment());
    }
    if (!withUrl) {
      pb.environment().remove("LEASE_CR_PG_URL");
    }
    long t0 = System.currentTimeMillis();
    Process p = pb.start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(tmp.resolve("node.log"));
    assertThat(done).as(out).isTrue();
    return new Run(p.exitValue(), out, System.currentTimeMillis() - t0);
  }

  /** Every committed checkpoint in the journal: persistence id, sequence number, payload hash. */
  private static List<String> checkpoints(TestPostgres.Db pg) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = pg.connect(); Statement st = c.createStatement()) {
      ResultSet t = c.getMetaData().getTables(null, null, "event_journal", null);
      if (!t.next()) {
        return rows;
      }
      try (ResultSet rs = st.executeQuery("select persistence_id, sequence_number, md5(event_payload) "
          + "from event_journal order by ordering")) {
        while (rs.next()) {
          rows.add(rs.getString(1) + "/" + rs.getLong(2) + "/" + rs.getString(3));
        }
      }
    }
    return rows;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableDatabaseIsNamedAndNothingStarts() throws Exception {
    TestPostgres.Db pg = TestPostgres.require();
    List<String> before = checkpoints(pg);
    int dead = freePort();
    String badUrl = "jdbc:postgresql://127.0.0.1:" + dead + "/leasecr";
    Run r = node(List.of("--name", "n1", "--port", String.valueOf(freePort()), "--pg-url", badUrl), pg, false);
    assertThat(r.code()).as(r.out()).isEqualTo(3);
    assertThat(r.ms()).as(r.out()).isLessThan(15_000);
    assertThat(r.out()).contains("cannot use the journal database " + badUrl).doesNotContain("\tat ")
        .doesNotContain("Exception in thread");
    assertThat(checkpoints(pg)).isEqualTo(before);
  }

  @Test
  void aJournalTableWithTheWrongSchemaIsNamedAndLeftAlone() throws Exception {
    TestPostgres.Db pg = TestPostgres.require();
    List<String> before = checkpoints(pg);
    Matcher m = Pattern.compile("jdbc:postgresql://([^/]+)/").matcher(pg.url());
    assertThat(m.find()).isTrue();
    String db = "wrong_" + System.nanoTime();
    String admin = "jdbc:postgresql://" + m.group(1) + "/postgres";
    try (Connection c = pg.connectAsAdmin(admin); Statement st = c.createStatement()) {
      st.execute("create database " + db + " owner " + pg.user());
    }
    String wrongUrl = "jdbc:postgresql://" + m.group(1) + "/" + db;
    try (Connection c = pg.connect(wrongUrl); Statement st = c.createStatement()) {
      st.execute("create table event_journal (id int primary key, note text)");
      st.execute("insert into event_journal values (1, 'mine')");
    }
    Run r = node(List.of("--name", "n1", "--port", String.valueOf(freePort()), "--pg-url", wrongUrl), pg, false);
    assertThat(r.code()).as(r.out()).isEqualTo(3);
    assertThat(r.out()).contains("has a table event_journal with the wrong schema").contains("no column ordering")
        .doesNotContain("\tat ");
    try (Connection c = pg.connect(wrongUrl); Statement st = c.createStatement()) {
      List<String> cols = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("select column_name from information_schema.columns where "
          + "table_name = 'event_journal' order by ordinal_position")) {
        while (rs.next()) {
          cols.add(rs.getString(1));
        }
      }
      assertThat(cols).containsExactly("id", "note");
      try (ResultSet rs = st.executeQuery("select id, note from event_journal")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(2)).isEqualTo("mine");
        assertThat(rs.next()).isFalse();
      }
      assertThat(c.getMetaData().getTables(null, null, "snapshot", null).next()).as("nothing created").isFalse();
    }
    assertThat(checkpoints(pg)).isEqualTo(before);
  }

  @Test
  void aSeedThatIsNoLeaseCrNodeIsReportedAfterTheJoinTimeout() throws Exception {
    TestPostgres.Db pg = TestPostgres.find().orElse(null); // runs without one too
    List<String> before = pg == null ? List.of() : checkpoints(pg);
    try (ServerSocket notANode = new ServerSocket(0)) { // accepts TCP, speaks no Artery
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            notANode.accept();
          }
        } catch (Exception closed) {
          // done
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Run r = node(List.of("--name", "n2", "--port", String.valueOf(freePort()), "--seed",
          "127.0.0.1:" + notANode.getLocalPort(), "--join-timeout", "5000"), pg, true);
      assertThat(r.code()).as(r.out()).isEqualTo(3);
      assertThat(r.out()).contains("could not join the cluster through [127.0.0.1:" + notANode.getLocalPort()
          + "] within 5000 ms");
      // soon after the join timeout, not Pekko's endless retries of the seed: its start (the journal's preflight)
      // and its stop (bounded, NodeCommand.EXIT_WAIT_MS) take a few seconds, up to 25 s more in a loaded CI stage
      assertThat(r.ms()).as(r.out()).isLessThan(45_000);
    }
    if (pg != null) {
      assertThat(checkpoints(pg)).isEqualTo(before);
    }
  }

  /** A node of a cluster of one (its own seed), no journal; {@code drillNode}: started as a drill starts its nodes. */
  private Process lonelyNode(String name, int port, boolean drillNode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-Dpekko.remote.artery.advanced.test-mode=on"));
    if (drillNode) {
      cmd.add("-Dlease-cr.drill-node=true");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "node", "--name", name,
        "--port", String.valueOf(port), "--seed", "127.0.0.1:" + port));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
    pb.environment().remove("LEASE_CR_PG_URL");
    return pb.start();
  }

  @Test
  void aDrillNodeStopsWhenItsDriversPipeClosesAndAStandaloneNodeKeepsRunning() throws Exception {
    Process drillNode = lonelyNode("n1", 30891, true);
    Process standalone = lonelyNode("n2", 30892, false);
    try {
      // the driver dies: its end of the pipe closes (a standalone node's standard input may be closed too)
      drillNode.getOutputStream().close();
      standalone.getOutputStream().close();
      assertThat(drillNode.waitFor(40, TimeUnit.SECONDS)).as(Files.readString(tmp.resolve("n1.log"))).isTrue();
      assertThat(Files.readString(tmp.resolve("n1.log"))).contains("the drill's driver is gone (its pipe closed): this node stops");
      Thread.sleep(3000);
      assertThat(standalone.isAlive()).as(Files.readString(tmp.resolve("n2.log"))).isTrue();
      assertThat(Files.readString(tmp.resolve("n2.log"))).doesNotContain("driver is gone");
    } finally {
      drillNode.destroyForcibly();
      standalone.destroyForcibly();
    }
  }
}
