package kvstore.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreTest {
  private static final long DAY = 86_400_000L;
  @TempDir
  Path dataDir;

  private static SnapshotManifest manifest(String node, String cluster, int rf, long createdMs) {
    return new SnapshotManifest("s", node, cluster, rf, 4, List.of(), createdMs, 0, Map.of());
  }

  private Restore.Target target(long graceMs) {
    return new Restore.Target(dataDir, "node1", "c1", 3, 4, graceMs);
  }

  @Test
  void anotherNodesOrClustersOrShapesSnapshotIsRefused() {
    long now = 100 * DAY;
    assertTrue(Restore.refusal(manifest("node2", "c1", 3, now), target(10 * DAY), false, now).contains("of node 'node2', not of 'node1'"));
    assertTrue(Restore.refusal(manifest("node1", "c2", 3, now), target(10 * DAY), false, now).contains("cluster 'c2'"));
    assertTrue(Restore.refusal(manifest("node1", "c1", 2, now), target(10 * DAY), false, now).contains("replicationFactor 2"));
    assertNull(Restore.refusal(manifest("node1", "c1", 3, now - DAY), target(10 * DAY), false, now));
  }

  @Test
  void aSnapshotOlderThanTheTombstoneGraceIsForTheWholeClusterOnly() {
    long now = 100 * DAY;
    SnapshotManifest old = manifest("node1", "c1", 3, now - 11 * DAY);
    assertTrue(Restore.refusal(old, target(10 * DAY), false, now).contains("older than tombstoneGraceMs"));
    assertNull(Restore.refusal(old, target(10 * DAY), true, now));
  }

  private Path snapshotOf(int rows) throws Exception {
    Path live = dataDir.resolve("live");
    Files.createDirectories(live);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + live.resolve("kv.db")); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kv(key TEXT)");
      for (int i = 0; i < rows; i++) {
        s.execute("INSERT INTO kv VALUES ('k" + i + "')");
      }
    }
    new Snapshots(live, new Snapshots.Owner("node1", "c1", 3, 4, List.of()), () -> 5 * DAY).create("s1");
    return live.resolve("snapshots/s1");
  }

  @Test
  void theCurrentFilesGoAsideAndTheSnapshotTakesTheirPlace() throws Exception {
    Path snap = snapshotOf(7);
    Files.writeString(dataDir.resolve("kv.db"), "current");
    Files.writeString(dataDir.resolve("kv.db-wal"), "current wal");
    String line = Restore.run(snap, target(10 * DAY), false, 6 * DAY);
    assertTrue(line.contains("7 rows"), line);
    assertEquals(7, Snapshots.rows(dataDir.resolve("kv.db")));
    assertFalse(Files.exists(dataDir.resolve("kv.db-wal")));
    assertFalse(Files.exists(dataDir.resolve(Restore.MARKER)));
    Path aside = Files.list(dataDir).filter(p -> p.getFileName().toString().startsWith("pre-restore-")).findFirst().orElseThrow();
    assertEquals("current", Files.readString(aside.resolve("kv.db")));
    assertEquals("current wal", Files.readString(aside.resolve("kv.db-wal")));
  }

  @Test
  void aDamagedSnapshotWritesNothing() throws Exception {
    Path snap = snapshotOf(7);
    Files.writeString(dataDir.resolve("kv.db"), "current");
    byte[] b = Files.readAllBytes(snap.resolve("kv.db"));
    b[100] ^= 1;
    Files.write(snap.resolve("kv.db"), b);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Restore.run(snap, target(10 * DAY), false, 6 * DAY));
    assertTrue(e.getMessage().contains("is damaged: kv.db does not match its SHA-256"), e.getMessage());
    assertArrayEquals("current".getBytes(), Files.readAllBytes(dataDir.resolve("kv.db")));
    assertFalse(Files.exists(dataDir.resolve(Restore.MARKER)));
  }

  @Test
  void aRestoreStoppedAfterTheSwapFinishesAndKeepsTheOriginalAside() throws Exception {
    Path snap = snapshotOf(3);
    Files.writeString(dataDir.resolve("kv.db"), "original");
    // as a crash right after the swap leaves it: the marker, the original aside, the snapshot in place
    Path aside = dataDir.resolve("pre-restore-x");
    Files.createDirectories(aside);
    Files.move(dataDir.resolve("kv.db"), aside.resolve("kv.db"));
    Files.copy(snap.resolve("kv.db"), dataDir.resolve("kv.db"));
    Files.writeString(dataDir.resolve(Restore.MARKER), "pre-restore-x\n");
    Restore.run(snap, target(10 * DAY), false, 6 * DAY);
    assertEquals(3, Snapshots.rows(dataDir.resolve("kv.db")));
    assertEquals("original", Files.readString(aside.resolve("kv.db")));
    assertFalse(Files.exists(dataDir.resolve(Restore.MARKER)));
  }
}
