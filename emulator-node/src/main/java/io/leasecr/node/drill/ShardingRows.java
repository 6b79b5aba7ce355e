package io.leasecr.node.drill;

import io.leasecr.core.checkpoint.Journal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What Cluster Sharding remembers in the shared journal (remember-entities: which shards and process
 * entities ran, under persistence ids "/sharding/..."). A drill starts a new cluster: entities an
 * earlier drill left there would be started again on its nodes, so the drill removes those rows first.
 * Checkpoints live under other persistence ids and are never touched.
 */
final class ShardingRows {

  private ShardingRows() {}

  /** Deletes the journal's and snapshot store's sharding rows; returns how many there were (0 without tables). */
  static int purge(Journal journal) throws SQLException {
    if (!journal.postgres()) {
      return 0; // the nodes of a drill without PostgreSQL have no journal: they remember nothing
    }
    try (Connection c = DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      int rows = s.executeUpdate("DELETE FROM event_journal WHERE persistence_id LIKE '/sharding/%'")
          + s.executeUpdate("DELETE FROM snapshot WHERE persistence_id LIKE '/sharding/%'");
      c.commit();
      return rows;
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return 0; // undefined table: a fresh database, the first node creates the schema
      }
      throw e;
    }
  }
}
