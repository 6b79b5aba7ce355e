package io.leasecr.node.cluster;

import io.leasecr.core.checkpoint.Journal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Before a node starts its actor system: can it reach the journal's database, and are the journal's
 * tables, if they exist, the ones pekko-persistence-jdbc writes? Read-only: it creates, alters and drops
 * nothing (a wrong table is reported, never "fixed").
 */
public final class JournalPreflight {

  /** The columns each table of the PostgreSQL schema must have (pekko-persistence-jdbc 1.x). */
  static final Map<String, List<String>> TABLES = new LinkedHashMap<>();

  static {
    TABLES.put("event_journal", List.of("ordering", "deleted", "persistence_id", "sequence_number", "writer",
        "write_timestamp", "adapter_manifest", "event_payload", "event_ser_id", "event_ser_manifest"));
    TABLES.put("event_tag", List.of("event_id", "tag"));
    TABLES.put("snapshot", List.of("persistence_id", "sequence_number", "created", "snapshot_ser_id",
        "snapshot_ser_manifest", "snapshot_payload"));
  }

  private JournalPreflight() {}

  /** Null if the journal can be used, else what is wrong (one line, naming the URL or the table). */
  public static String check(Journal j, int timeoutSeconds) {
    if (!j.postgres()) {
      return null;
    }
    DriverManager.setLoginTimeout(timeoutSeconds);
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", j.user());
    props.setProperty("password", j.password());
    props.setProperty("connectTimeout", String.valueOf(timeoutSeconds));
    props.setProperty("socketTimeout", String.valueOf(timeoutSeconds * 2));
    try (Connection c = DriverManager.getConnection(j.jdbcUrl(), props)) {
      c.setReadOnly(true);
      for (Map.Entry<String, List<String>> t : TABLES.entrySet()) {
        Set<String> have = new LinkedHashSet<>();
        try (PreparedStatement st = c.prepareStatement("select column_name from information_schema.columns "
            + "where table_schema = current_schema() and table_name = ?")) {
          st.setString(1, t.getKey());
          try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
              have.add(rs.getString(1));
            }
          }
        }
        if (have.isEmpty()) {
          continue; // created at start-up
        }
        List<String> missing = t.getValue().stream().filter(col -> !have.contains(col)).toList();
        if (!missing.isEmpty()) {
          return "the journal database " + j.jdbcUrl() + " has a table " + t.getKey() + " with the wrong schema: "
              + "no column " + String.join(", ", missing) + " (it has " + String.join(", ", have) + "); "
              + "not touching it: use another database or schema";
        }
      }
      return null;
    } catch (SQLException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      return "cannot use the journal database " + j.jdbcUrl() + " as " + j.user() + ": " + why
          + (e.getSQLState() != null ? " (SQLState " + e.getSQLState() + ")" : "");
    }
  }
}
