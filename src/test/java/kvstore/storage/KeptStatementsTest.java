package kvstore.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeptStatementsTest {
  @TempDir
  Path dir;
  Connection conn;

  @BeforeEach
  void open() throws SQLException {
    conn = KeptStatements.wrap(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db")), 2);
    try (Statement s = conn.createStatement()) {
      s.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    }
  }

  @AfterEach
  void close() throws SQLException {
    conn.close();
  }

  private static PreparedStatement real(PreparedStatement ps) throws SQLException {
    return ps.unwrap(PreparedStatement.class);
  }

  private int insert(String k, int v) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
      ps.setString(1, k);
      ps.setInt(2, v);
      return ps.executeUpdate();
    }
  }

  private int valueOf(String k) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT v FROM t WHERE k = ?")) {
      ps.setString(1, k);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "no row for " + k);
        return rs.getInt(1);
      }
    }
  }

  @Test
  void aClosedStatementIsHandedBackForTheSameSqlAndRunsWithItsNewParameters() throws SQLException {
    PreparedStatement first = conn.prepareStatement("SELECT v FROM t WHERE k = ?");
    PreparedStatement kept = real(first);
    first.close();
    assertFalse(kept.isClosed(), "closing through the client only resets a kept statement");
    PreparedStatement again = conn.prepareStatement("SELECT v FROM t WHERE k = ?");
    assertSame(kept, real(again));
    again.close();

    insert("a", 1);
    insert("b", 2);
    assertEquals(1, valueOf("a"));
    assertEquals(2, valueOf("b"));
    assertEquals(1, valueOf("a"));
  }

  @Test
  void aStatementAskedForWhileInUseIsAFreshOneReallyClosedAfterwards() throws SQLException {
    PreparedStatement held = conn.prepareStatement("SELECT v FROM t WHERE k = ?");
    PreparedStatement other = conn.prepareStatement("SELECT v FROM t WHERE k = ?");
    PreparedStatement otherReal = real(other);
    assertNotSame(real(held), otherReal);
    other.close();
    assertTrue(otherReal.isClosed());
    held.close();
    assertFalse(real(held).isClosed());
  }

  @Test
  void theLeastRecentlyUsedStatementIsClosedPastCapacity() throws SQLException {
    PreparedStatement a = conn.prepareStatement("SELECT 1");
    PreparedStatement aReal = real(a);
    a.close();
    conn.prepareStatement("SELECT 2").close();
    PreparedStatement inUse = conn.prepareStatement("SELECT 3");
    assertTrue(aReal.isClosed(), "capacity 2: the oldest goes");
    // evicted while in use: its user's close() closes it for real
    PreparedStatement fourth = conn.prepareStatement("SELECT 4");
    fourth.close();
    PreparedStatement fifth = conn.prepareStatement("SELECT 5");
    fifth.close();
    PreparedStatement inUseReal = real(inUse);
    assertFalse(inUseReal.isClosed());
    inUse.close();
    assertTrue(inUseReal.isClosed());
  }

  @Test
  void aFailedBatchLeavesNothingBehindForTheNextUse() throws SQLException {
    insert("dup", 1);
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
      ps.setString(1, "x");
      ps.setInt(2, 1);
      ps.addBatch();
      ps.setString(1, "dup");
      ps.setInt(2, 2);
      ps.addBatch();
      assertThrows(SQLException.class, ps::executeBatch);
    }
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
      ps.setString(1, "y");
      ps.setInt(2, 3);
      ps.addBatch();
      assertEquals(1, ps.executeBatch().length, "only this use's row is in the batch");
    }
    assertEquals(3, valueOf("y"));
    assertEquals(1, valueOf("dup"));
  }

  @Test
  void closingTheConnectionClosesEveryKeptStatement() throws SQLException {
    PreparedStatement ps = conn.prepareStatement("SELECT 1");
    PreparedStatement kept = real(ps);
    ps.close();
    conn.close();
    assertTrue(kept.isClosed());
  }
}
