package io.leasecr.node.journal;

import io.leasecr.core.checkpoint.Journal;
import io.leasecr.node.config.LeaseCrConfig;
import java.nio.file.Path;

/**
 * Which journal the command line uses: H2 under {@code --data DIR} (default LEASE_CR_DATA, else
 * {@code ./data}), or PostgreSQL with {@code --journal postgres} at LEASE_CR_PG_URL as LEASE_CR_PG_USER
 * with LEASE_CR_PG_PASSWORD (both {@code leasecr} by default), all read through {@link LeaseCrConfig}.
 */
public final class JournalOptions {

  private JournalOptions() {}

  /** As {@link #choose(String, String, LeaseCrConfig)} with this process's configuration. */
  public static Journal choose(String kind, String dataDir) {
    return choose(kind, dataDir, LeaseCrConfig.load());
  }

  /**
   * The journal of kind {@code h2}, {@code postgres} or {@code none} (null); an
   * IllegalArgumentException says what is missing or wrong.
   */
  public static Journal choose(String kind, String dataDir, LeaseCrConfig conf) {
    String k = kind == null ? "h2" : kind;
    return switch (k) {
      case "h2" -> Journal.h2(dataDir != null ? Path.of(dataDir) : conf.dataDir());
      case "postgres" -> {
        String url = conf.postgresUrl();
        if (url == null) {
          throw new IllegalArgumentException("--journal postgres needs the database's JDBC URL: set LEASE_CR_PG_URL "
              + "(e.g. jdbc:postgresql://127.0.0.1:5432/leasecr; or lease-cr.journal.postgres.url in application.conf)");
        }
        yield conf.postgres(url);
      }
      case "none" -> null;
      default -> throw new IllegalArgumentException("--journal must be h2, postgres or none, got '" + kind + "'");
    };
  }
}
