package kvstore.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotsTest {
  @TempDir
  Path dataDir;
  private long now = 1_000_000;

  private Snapshots snapshots() {
    return new Snapshots(dataDir, new Snapshots.Owner("node1", "c1", 3, 4, List.of(1L, 2L, 3L, 4L)), () -> now);
  }

  /** A WAL database with {@code rows} rows in kv, one connection kept open (as the node keeps its own). */
  private Connection database(int rows) throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("kv.db"));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("CREATE TABLE kv(key TEXT, value BLOB, version INTEGER)");
      for (int i = 0; i < rows; i++) {
        s.execute("INSERT INTO kv VALUES ('k" + i + "', x'00', " + i + ")");
      }
    }
    return c;
  }

  @Test
  void aSnapshotIsAWholeCopyWithAManifestThatProvesIt() throws Exception {
    try (Connection live = database(50)) {
      SnapshotManifest m = snapshots().create("before-deploy");
      assertEquals(50, m.rows());
      assertEquals("node1", m.nodeId());
      assertEquals(List.of(1L, 2L, 3L, 4L), m.tokens());
      Path dir = dataDir.resolve("snapshots/before-deploy");
      assertNull(m.damage(dir));
      assertEquals(m, SnapshotManifest.read(dir));
      // writes after the snapshot do not reach it
      try (Statement s = live.createStatement()) {
        s.execute("INSERT INTO kv VALUES ('later', x'00', 99)");
      }
      assertEquals(50, Snapshots.rows(dir.resolve("kv.db")));
      assertEquals(List.of("before-deploy"), snapshots().list().stream().map(SnapshotManifest::name).toList());
      assertTrue(snapshots().bytes() >= m.bytes());
    }
  }

  @Test
  void oneChangedByteIsNamedAsDamage() throws Exception {
    try (Connection live = database(20)) {
      SnapshotManifest m = snapshots().create("s1");
      Path db = dataDir.resolve("snapshots/s1/kv.db");
      byte[] b = Files.readAllBytes(db);
      b[b.length / 2] ^= 1;
      Files.write(db, b);
      assertEquals("kv.db does not match its SHA-256 in the manifest (the file is damaged)", m.damage(dataDir.resolve("snapshots/s1")));
    }
  }

  @Test
  void namesAreCheckedAndNotTakenTwice() throws Exception {
    try (Connection live = database(1)) {
      assertNotNull(Snapshots.invalidName("../x"));
      assertNotNull(Snapshots.invalidName(""));
      assertNotNull(Snapshots.invalidName("a/b"));
      assertNotNull(Snapshots.invalidName("x.partial"));
      assertNull(Snapshots.invalidName("2026-12-07_nightly.1"));
      assertThrows(IllegalArgumentException.class, () -> snapshots().create(".hidden"));
      snapshots().create("s1");
      assertThrows(FileAlreadyExistsException.class, () -> snapshots().create("s1"));
    }
  }

  @Test
  void deleteRemovesOneAndListIgnoresUnfinishedOnes() throws Exception {
    try (Connection live = database(1)) {
      snapshots().create("a");
      now += 1000;
      snapshots().create("b");
      Files.createDirectories(dataDir.resolve("snapshots/c.partial"));
      assertEquals(List.of("a", "b"), snapshots().list().stream().map(SnapshotManifest::name).toList());
      assertTrue(snapshots().delete("a"));
      assertFalse(snapshots().delete("a"));
      assertEquals(List.of("b"), snapshots().list().stream().map(SnapshotManifest::name).toList());
      assertFalse(Files.exists(dataDir.resolve("snapshots/a")));
    }
  }
}
