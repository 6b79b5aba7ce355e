package io.leasecr.node.journal;

import io.leasecr.core.checkpoint.Journal;
import java.nio.file.Path;

/**
 * Which journal the command line uses: H2 under {@code --data DIR} (default {@code $LEASE_CR_DATA} or
 * {@code ./data}), or PostgreSQL with {@code --journal postgres} and {@code LEASE_CR_PG_URL},
 * {@code LEASE_CR_PG_USER}, {@code LEASE_CR_PG_PASSWORD}. A variable missing from the environment is read
 * from the Java system property of the same name, if set (the tests set them for a PostgreSQL they start
 * in a container, since a JVM cannot change its own environment).
 */
public final class JournalOptions {

  private JournalOptions() {}

  public static Journal choose(String kind, String dataDir) {
    String k = kind == null ? "h2" : kind;
    return switch (k) {
      case "h2" -> Journal.h2(Path.of(dataDir != null ? dataDir : env("LEASE_CR_DATA", "data")));
      case "postgres" -> Journal.postgres(env("LEASE_CR_PG_URL", "jdbc:postgresql://127.0.0.1:5432/leasecr"),
          env("LEASE_CR_PG_USER", "leasecr"), env("LEASE_CR_PG_PASSWORD", "leasecr"));
      case "none" -> null;
      default -> throw new IllegalArgumentException("--journal must be h2, postgres or none, got '" + kind + "'");
    };
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      v = System.getProperty(name);
    }
    return v == null || v.isBlank() ? fallback : v;
  }
}
