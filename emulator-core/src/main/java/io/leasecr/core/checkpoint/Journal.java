package io.leasecr.core.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;

/**
 * Where committed checkpoints are kept: pekko-persistence-jdbc on an embedded H2 file database under a
 * data directory (the zero-setup default), or PostgreSQL. Produces the Pekko configuration for it.
 */
public record Journal(String jdbcUrl, String user, String password, boolean postgres) {

  /** The embedded default: an H2 file database in {@code dataDir}. */
  public static Journal h2(Path dataDir) {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE";
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
          numThreads = 2
          maxConnections = 2
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
        """).withValue("pekko-persistence-jdbc.shared-databases.slick", db.root());
  }

  /** Where the journal is, for messages (no password). */
  public String describe() {
    return (postgres ? "PostgreSQL " : "H2 ") + jdbcUrl.replaceAll("password=[^&;]*", "password=***");
  }
}
