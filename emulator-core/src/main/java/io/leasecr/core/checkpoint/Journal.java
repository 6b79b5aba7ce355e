package io.leasecr.core.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * Where committed checkpoints are kept: pekko-persistence-jdbc on an embedded H2 file database under a
 * data directory (the zero-setup default), or PostgreSQL. Produces the Pekko configuration for it.
 */
public record Journal(String jdbcUrl, String user, String password, boolean postgres) {

  /**
   * The embedded default: an H2 file database in {@code dataDir}. A table lock is waited for up to 10 s, not H2's
   * 1 s: after a JVM was killed while committing, `image export` run right after `checkpoint list` was once refused
   * with "Timeout trying to lock table" (JournalTest, session 29; not seen in the runs before or after).
   */
  public static Journal h2(Path dataDir) {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE"
        + ";LOCK_TIMEOUT=10000";
    return new Journal(url, "sa", "", false);
  }

  public static Journal postgres(String url, String user, String password) {
    return new Journal(url, user, password, true);
  }

  public Config config() {
    Config db = ConfigFactory.parseString("""
        profile = "%s"
        db {
          connectionPool = "HikariCP"
          driver = "%s"
          numThreads = 4
          maxConnections = 4
          minConnections = 1
          connectionTimeout = 5000
        }
        """.formatted(postgres ? "slick.jdbc.PostgresProfile$" : "slick.jdbc.H2Profile$",
            postgres ? "org.postgresql.Driver" : "org.h2.Driver"))
        .withValue("db.url", ConfigValueFactory.fromAnyRef(jdbcUrl))
        .withValue("db.user", ConfigValueFactory.fromAnyRef(user))
        .withValue("db.password", ConfigValueFactory.fromAnyRef(password));
    return ConfigFactory.parseString("""
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "slick"
        jdbc-snapshot-store.use-shared-db = "slick"
        jdbc-read-journal.use-shared-db = "slick"
        jdbc-durable-state-store.use-shared-db = "slick"
        # After 10 failures in a row the plugins' circuit breaker fails every call at once for
        # reset-timeout (Pekko's default: 30 s): a database back after a short outage would stay unused
        # that long, past a commit's retry bound (lease-cr.checkpoint.commit-retry-for). Try again sooner.
        jdbc-journal.circuit-breaker.reset-timeout = 2s
        jdbc-snapshot-store.circuit-breaker.reset-timeout = 2s
        """).withValue("pekko-persistence-jdbc.shared-databases.slick", db.root());
  }

  /**
   * Creates the journal's tables if missing, in the database of {@code system}'s configuration
   * ({@link #config()}): pekko-persistence-jdbc's schema, on H2 with VARBINARY payloads
   * ({@code leasecr/h2-journal.sql} says why).
   */
  public static CompletionStage<Done> createSchema(ClassicActorSystemProvider system) {
    String profile = system.classicSystem().settings().config()
        .getString("pekko-persistence-jdbc.shared-databases.slick.profile");
    if (!profile.contains("H2")) {
      return SchemaUtils.createIfNotExists(system);
    }
    String script;
    try (InputStream in = Journal.class.getResourceAsStream("/leasecr/h2-journal.sql")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^--.*$", "");
    } catch (IOException | NullPointerException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("leasecr/h2-journal.sql is missing", e));
    }
    return SchemaUtils.applyScript(script, system).thenCompose(done -> SchemaUtils.createIfNotExists(system));
  }

  /** The journal's database cannot be used (not opened, a commit refused): not the run's input's fault. */
  public static final class Unavailable extends IllegalStateException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Why the database refused, in its own words: the connection pool reports only its own time-out
   * ("Connection is not available, request timed out") and keeps the database's refusal (a corrupt file, a
   * wrong password, a refused connection) as its cause; futures wrap it again.
   */
  public static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /** Where the journal is, for messages (no password). */
  public String describe() {
    return (postgres ? "PostgreSQL " : "H2 ") + jdbcUrl.replaceAll("password=[^&;]*", "password=***");
  }
}
