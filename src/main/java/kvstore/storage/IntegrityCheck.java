package kvstore.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Refuses to serve from a damaged database: run once at start, before the node opens its store.
 * A write-ahead log that is gone while its index (-shm) is still there means the node stopped
 * uncleanly and the log, with the last commits, was lost (SQLite would open the file without them
 * and say nothing); a file SQLite cannot read as a database, or whose pages fail {@code PRAGMA
 * quick_check} (truncated, overwritten), is damaged. Either way the only safe fix is the replicas'
 * copy: the one line says how.
 */
public final class IntegrityCheck {
  private IntegrityCheck() {
  }

  /** Blocking. Returns how long the check took, in ms; throws with the line to refuse with. */
  public static long run(Path dataDir, boolean quickCheck) {
    Path db = dataDir.resolve("kv.db");
    if (!Files.exists(db)) {
      return 0;
    }
    Path wal = dataDir.resolve("kv.db-wal");
    Path shm = dataDir.resolve("kv.db-shm");
    if (Files.exists(shm) && !Files.exists(wal)) {
      throw damaged(db, wal + " is missing while " + shm.getFileName() + " is there: the write-ahead log of an unclean stop was lost, "
          + "with the last writes it held");
    }
    if (!quickCheck) {
      return 0;
    }
    long t0 = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("PRAGMA quick_check(5)")) {
      StringBuilder problems = new StringBuilder();
      while (r.next()) {
        String line = r.getString(1);
        if (!"ok".equals(line)) {
          // one answer can span lines ("*** in database main ***" and a line per page): the refusal stays one line
          problems.append(problems.length() == 0 ? "" : "; ").append(line.replaceAll("\\s*\\n\\s*", "; "));
        }
      }
      if (problems.length() > 0) {
        throw damaged(db, "SQLite's quick_check found: " + problems);
      }
    } catch (SQLException e) {
      throw damaged(db, "SQLite cannot read it (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static IllegalStateException damaged(Path db, String what) {
    return new IllegalStateException(db.toAbsolutePath() + " is damaged: " + what + ". The node will not serve from it: move "
        + db.getParent().toAbsolutePath() + " aside and start the node with an empty dataDir; it streams its ranges back from their other replicas");
  }
}
