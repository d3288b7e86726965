package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.core.json.JsonObject;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.repair.RangeTrees;
import kvstore.ring.Ring;
import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class SqliteStorageTest {
  @TempDir
  Path dir;

  private static Versioned v(String key, String value, long version) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  private static <T> T await(Future<T> f) {
    return f.await();
  }

  /**
   * Runs {@code work} on one Vert.x context, as the storage verticle does: SqliteStorage is
   * single-threaded by contract, so many writes issued at once must come from its context.
   */
  private static <T> T onContext(Vertx vertx, java.util.function.Supplier<Future<T>> work) {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    CONTEXT.computeIfAbsent(vertx, v -> v.getOrCreateContext()).runOnContext(x -> work.get().onComplete(p));
    return p.future().await();
  }

  private static final java.util.Map<Vertx, io.vertx.core.Context> CONTEXT = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Paxos state is on disk before an answer leaves: a promise and an acceptance survive the store
   * being closed and opened again (a kill -9 loses nothing a commit answered), a commit stores its
   * row by last-write-wins, and settled state is pruned once old.
   */
  @Test
  void paxosPromisesAndAcceptancesSurviveAReopen(Vertx vertx) {
    kvstore.paxos.Ballot b1 = new kvstore.paxos.Ballot(1_000, "node1");
    kvstore.paxos.Ballot b2 = new kvstore.paxos.Ballot(2_000, "node2");
    kvstore.paxos.Ballot b3 = new kvstore.paxos.Ballot(3_000, "node3");
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    await(s.write(List.of(v("k", "before", 500))));
    kvstore.paxos.PaxosAnswer promise = onContext(vertx, () -> s.paxos(kvstore.paxos.PaxosCall.prepare("k", b2)));
    assertTrue(promise.ok());
    assertEquals("before", new String(promise.current().value(), StandardCharsets.UTF_8), "the promise round is also the read");
    assertTrue(onContext(vertx, () -> s.paxos(kvstore.paxos.PaxosCall.propose(b2, v("k", "proposed", 2_000), b2))).ok());
    await(s.close());

    SqliteStorage again = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    assertTrue(!onContext(vertx, () -> again.paxos(kvstore.paxos.PaxosCall.prepare("k", b1))).ok(), "the promise of b2 was kept");
    kvstore.paxos.PaxosAnswer later = onContext(vertx, () -> again.paxos(kvstore.paxos.PaxosCall.prepare("k", b3)));
    assertTrue(later.ok());
    assertEquals(v("k", "proposed", 2_000), later.acceptedRow(), "the acceptance was kept, so the next proposer finishes it");
    assertEquals(b2, later.acceptedOrigin());
    assertTrue(onContext(vertx, () -> again.paxos(kvstore.paxos.PaxosCall.commit(b3, v("k", "proposed", 2_000), b2))).ok());
    assertEquals("proposed", new String(await(again.read("k")).value(), StandardCharsets.UTF_8), "a commit stores its row");
    assertEquals(0, onContext(vertx, () -> again.prunePaxos(3_000)), "not older than the cut-off yet");
    assertEquals(1, onContext(vertx, () -> again.prunePaxos(3_001)));
    assertTrue(onContext(vertx, () -> again.paxos(kvstore.paxos.PaxosCall.prepare("k", b1))).ok(), "pruned: the key starts afresh");
    await(again.close());
  }

  @Test
  void olderVersionsNeverOverwriteNewerOnes(Vertx vertx) {
    SqliteStorage s = await(vertx.executeBlocking(() -> null).compose(x -> SqliteStorage.open(vertx, dir, "FULL", 512)));
    assertArrayEquals(new long[] {10}, await(s.write(List.of(v("k", "new", 10)))));
    assertArrayEquals(new long[] {10}, await(s.write(List.of(v("k", "old", 5)))), "stale write answers the stored version");
    assertEquals("new", new String(await(s.read("k")).value(), StandardCharsets.UTF_8));
    await(s.write(List.of(v("k", "aaa", 10))));
    assertEquals("new", new String(await(s.read("k")).value(), StandardCharsets.UTF_8), "tie: larger value bytes win");
    await(s.write(List.of(v("k", "zzz", 10))));
    assertEquals("zzz", new String(await(s.read("k")).value(), StandardCharsets.UTF_8));
    await(s.write(List.of(Versioned.tombstone("k", 10))));
    assertTrue(await(s.read("k")).tombstone(), "tie: a tombstone beats a value");
    await(s.write(List.of(v("k", "zzzz", 10))));
    assertTrue(await(s.read("k")).tombstone());
    assertNull(await(s.read("never")));
    await(s.close());
  }

  @Test
  void concurrentWritesAreGroupCommittedAndSurviveReopen(Vertx vertx) {
    SqliteStorage s = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    onContext(vertx, () -> {
      List<Future<long[]>> writes = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        writes.add(s.write(List.of(v("key" + i, "value" + i, 1 + i))));
      }
      return Future.all(writes);
    });
    assertTrue(s.stats().commits() < 200, "2000 concurrent writes took " + s.stats().commits() + " commits");
    assertEquals(2000, s.stats().rows());
    await(s.close());
    SqliteStorage again = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    assertEquals(2000L, await(again.count()));
    assertEquals("value1999", new String(await(again.read("key1999")).value(), StandardCharsets.UTF_8));
    List<Versioned> rows = new ArrayList<>();
    for (int c = 0; c < 16; c++) {
      List<Versioned> chunk = await(again.chunk(c));
      for (int i = 1; i < chunk.size(); i++) {
        assertTrue(chunk.get(i - 1).key().compareTo(chunk.get(i).key()) < 0, "chunk rows sorted by key");
      }
      rows.addAll(chunk);
    }
    assertEquals(2000, rows.size());
    await(again.close());
  }

  @Test
  void sameKeyTwiceInOneBatchKeepsTheWinner(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "NORMAL", 512));
    Future<long[]> a = s.write(List.of(v("k", "first", 1)));
    Future<long[]> b = s.write(List.of(v("k", "third", 3), v("k", "second", 2)));
    await(Future.all(a, b));
    assertEquals(3, await(s.read("k")).version());
    assertArrayEquals(new long[] {3, 3}, await(b));
    await(s.close());
  }

  /**
   * A lone write group runs in autocommit, others in a transaction: a lone write after a
   * transactional group (hints, a batch too big for one statement) must still be committed.
   */
  @Test
  void loneWritesAfterTransactionalGroupsAreCommitted(Vertx vertx) {
    SqliteStorage s = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    onContext(vertx, () -> s.addHints(List.of(new Hint(0, "node2", v("h", "v", 1))), 10));
    onContext(vertx, () -> s.write(List.of(v("after-hints", "v", 1))));
    List<Versioned> big = new ArrayList<>();
    for (int i = 0; i < Upserts.ROWS_PER_UPSERT + 500; i++) {
      big.add(v("big" + i, "v" + i, 5));
    }
    long[] stored = onContext(vertx, () -> s.write(big));
    assertEquals(big.size(), stored.length);
    assertTrue(Arrays.stream(stored).allMatch(x -> x == 5));
    onContext(vertx, () -> s.write(List.of(v("after-big", "v", 1))));
    // a batch that loses everywhere answers the stored versions
    assertArrayEquals(new long[] {5, 5}, onContext(vertx, () -> s.write(List.of(v("big0", "old", 4), v("big1", "v1", 5)))));
    onContext(vertx, s::close);
    SqliteStorage again = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    assertEquals(1, await(again.read("after-hints")).version());
    assertEquals(1, await(again.read("after-big")).version());
    assertEquals("v4499", new String(await(again.read("big4499")).value(), StandardCharsets.UTF_8));
    assertEquals("v0", new String(await(again.read("big0")).value(), StandardCharsets.UTF_8));
    assertEquals(big.size() + 2, (long) await(again.count()), "hints live in their own table");
    onContext(vertx, again::close);
  }

  @Test
  void hintsAreCappedPerTargetAndSurviveReopen(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    List<Hint> hints = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      hints.add(new Hint(0, "node3", v("k" + i, "v" + i, i + 1)));
    }
    assertEquals(25, await(s.addHints(hints, 25)), "only 25 fit under the cap");
    assertEquals(1, await(s.addHints(List.of(new Hint(0, "node2", v("x", "y", 1))), 25)));
    assertEquals(java.util.Map.of("node3", 25L, "node2", 1L), s.hintCounts());
    await(s.close());
    SqliteStorage again = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    assertEquals(java.util.Map.of("node3", 25L, "node2", 1L), again.hintCounts());
    List<Hint> first = await(again.hintsFor("node3", 10));
    assertEquals(10, first.size());
    assertEquals("k0", first.get(0).row().key(), "oldest first");
    await(again.dropHints("node3", first.stream().map(Hint::id).toList()));
    assertEquals(15L, again.hintCounts().get("node3"));
    assertEquals("k10", await(again.hintsFor("node3", 1)).get(0).row().key());
    await(again.close());
  }

  @Test
  void purgeRemovesOnlyTombstonesOlderThanTheCutoff(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    await(s.write(List.of(Versioned.tombstone("old", 100), Versioned.tombstone("recent", 900), v("live-old", "v", 50))));
    assertEquals(1, await(s.purgeTombstones(500, 0)));
    assertNull(await(s.read("old")));
    assertTrue(await(s.read("recent")).tombstone());
    assertEquals("v", new String(await(s.read("live-old")).value(), StandardCharsets.UTF_8), "values are never purged");
    await(s.close());
  }

  /** An expiring row is stored, read and handed to hints with its expiry; purged only past the grace cutoff. */
  @Test
  void expiringRowsKeepTheirExpiryAndArePurgedAfterTheCutoff(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    Versioned expired = new Versioned("gone", "v".getBytes(StandardCharsets.UTF_8), 10, false, 1_000);
    Versioned later = new Versioned("later", "v".getBytes(StandardCharsets.UTF_8), 10, false, 5_000);
    await(s.write(List.of(expired, later, v("never", "v", 10))));
    assertEquals(expired, await(s.read("gone")));
    assertEquals(1_000, await(s.read("gone")).expiresAtMs());
    onContext(vertx, () -> s.addHints(List.of(new Hint(0, "node2", later)), 10));
    assertEquals(5_000, await(s.hintsFor("node2", 1)).get(0).row().expiresAtMs());
    assertEquals(1, await(s.purgeTombstones(0, 2_000)), "only the row that expired before the cutoff");
    assertNull(await(s.read("gone")));
    assertEquals(later, await(s.read("later")));
    assertEquals(0, await(s.read("never")).expiresAtMs());
    await(s.close());
  }

  /** The SQL guard breaks ties as Versioned.compare does: same version and value, the earlier expiry wins, never expiring loses. */
  @Test
  void expiryBreaksTiesTheSameWayInSqlAndInJava(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    byte[] val = "same".getBytes(StandardCharsets.UTF_8);
    Versioned never = new Versioned("k", val, 7, false, 0);
    Versioned late = new Versioned("k", val, 7, false, 9_000);
    Versioned early = new Versioned("k", val, 7, false, 3_000);
    assertTrue(Versioned.compare(late, never) > 0 && Versioned.compare(early, late) > 0);
    await(s.write(List.of(never)));
    assertArrayEquals(new long[] {7}, await(s.write(List.of(late))));
    assertEquals(late, await(s.read("k")));
    await(s.write(List.of(early)));
    await(s.write(List.of(late)));
    await(s.write(List.of(never)));
    assertEquals(early, await(s.read("k")), "neither a later expiry nor none at all wins the tie back");
    await(s.close());
  }

  /** A store made before TTL existed (no expires columns) opens, gains them, and its rows never expire. */
  @Test
  void aStoreFromBeforeTtlGainsTheExpiryColumns(Vertx vertx) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("kv.db"))) {
      c.createStatement().execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, version INTEGER NOT NULL, "
          + "tombstone INTEGER NOT NULL, chunk INTEGER NOT NULL, token INTEGER, hash INTEGER, replaced INTEGER)");
      // as the upsert of that layout stored it: the key's chunk, token and row hash
      long token = kvstore.ring.Ring.token("old");
      c.createStatement().execute("INSERT INTO kv VALUES ('old', x'6f6c64', 5, 0, " + kvstore.ring.Chunks.ofToken(token) + ", " + token + ", "
          + RowHash.of(new Versioned("old", "old".getBytes(StandardCharsets.UTF_8), 5, false, 0)) + ", NULL)");
      c.createStatement().execute("CREATE TABLE hints (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, "
          + "key TEXT NOT NULL, value BLOB NOT NULL, version INTEGER NOT NULL, tombstone INTEGER NOT NULL, created_at INTEGER NOT NULL)");
    }
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "FULL", 512));
    assertEquals(new Versioned("old", "old".getBytes(StandardCharsets.UTF_8), 5, false, 0), await(s.read("old")));
    await(s.write(List.of(new Versioned("new", "n".getBytes(StandardCharsets.UTF_8), 6, false, 42))));
    assertEquals(42, await(s.read("new")).expiresAtMs());
    assertEquals(2L, await(s.count()), "the moved row and the new one");
    onContext(vertx, () -> s.addHints(List.of(new Hint(0, "node2", v("h", "v", 1))), 10));
    assertEquals(1, await(s.hintsFor("node2", 5)).size());
    await(s.close());
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("kv.db"))) {
      var rs = c.createStatement().executeQuery("SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE tbl_name = 'kv' ORDER BY name)");
      assertEquals("kv kv_counted_in kv_counted_out kv_expiring kv_key kv_tombstones", rs.getString(1), "the current layout, the old primary key gone");
    }
  }

  /**
   * The row count follows inserts, overwrites (not counted again), losing writes and purges
   * without counting the table, and survives a reopen.
   */
  @Test
  void theRowCountFollowsEveryChange(Vertx vertx) {
    SqliteStorage s = await(SqliteStorage.open(vertx, dir, "NORMAL", 512));
    await(s.write(List.of(v("a", "1", 5), v("b", "1", 5), v("c", "1", 5))));
    await(s.write(List.of(v("a", "2", 6), v("b", "0", 1))));
    assertEquals(3L, await(s.count()));
    await(s.write(List.of(Versioned.tombstone("c", 7))));
    assertEquals(3L, await(s.count()), "a tombstone is a row until it is purged");
    assertEquals(1, (int) await(s.purgeTombstones(8, 0)));
    assertEquals(1, (int) onContext(vertx, () -> s.forget(List.of("b", "nope"))));
    assertEquals(1L, await(s.count()));
    await(s.close());
    SqliteStorage again = await(SqliteStorage.open(vertx, dir, "NORMAL", 512));
    assertEquals(1L, await(again.count()));
    assertEquals("2", new String(await(again.read("a")).value(), StandardCharsets.UTF_8));
    await(again.close());
  }

  /** Every query on rows by key, by token range or for the purge searches an index; only the prototype's chunk call reads them all. */
  @Test
  void rowQueriesSearchAnIndex(Vertx vertx) throws Exception {
    await(await(SqliteStorage.open(vertx, dir, "NORMAL", 512)).close());
    KeySearch keys = KeySearch.of(List.of("a", "b", "c"));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("kv.db"))) {
      assertEquals("SEARCH kv USING INDEX kv_key (token=? AND key=?)", plan(c, "SELECT value FROM kv WHERE " + keys.where(), keys.params().size()));
      assertEquals("MULTI-INDEX OR | INDEX 1 | SEARCH kv USING INDEX kv_tombstones (version<?) | INDEX 2 | SEARCH kv USING INDEX kv_expiring (expires>? AND expires<?)",
          plan(c, "DELETE FROM kv WHERE " + Purge.PAST_GRACE, 2));
      assertTrue(plan(c, "SELECT key, token, hash FROM kv WHERE (token, key) > (?, ?) ORDER BY token, key LIMIT ?", 3).startsWith("SEARCH kv USING INDEX kv_key"));
      assertTrue(plan(c, "SELECT value FROM kv WHERE token BETWEEN ? AND ?", 2).startsWith("SEARCH kv USING INDEX kv_key"));
    }
  }

  /** Every connection of the node opens with the configured page cache. */
  @Test
  void connectionsKeepTheConfiguredPageCache(Vertx vertx) {
    SqliteFile file = new SqliteFile(dir, "NORMAL", 5);
    SqliteStorage s = await(SqliteStorage.open(vertx, file, 512, new AtomicReference<>(), n -> { }));
    await(s.close());
    io.vertx.sqlclient.Pool pool = SqliteValues.pool(vertx, file.url(), 1, "cache-probe");
    assertEquals(-5 * 1024, await(pool.query("PRAGMA cache_size").execute()).iterator().next().getInteger(0));
    await(pool.close());
  }

  private static String plan(java.sql.Connection c, String sql, int params) throws java.sql.SQLException {
    try (var ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
      for (int i = 1; i <= params; i++) {
        ps.setLong(i, 1);
      }
      List<String> steps = new java.util.ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          steps.add(rs.getString(4));
        }
      }
      return String.join(" | ", steps);
    }
  }

  /**
   * The trees a node keeps current through writes (including ones that race the build scan, a
   * stale write that loses, and a tombstone purge) equal trees rebuilt from what is stored.
   */
  @Test
  void merkleTreesFollowWritesAndPurgesAndMatchARebuild(Vertx vertx) {
    AtomicReference<kvstore.storage.RowHashIndex> trees = new AtomicReference<>();
    SqliteStorage s = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "NORMAL", 512, trees));
    Ring ring = Ring.of(List.of("a", "b"), 8);
    onContext(vertx, () -> {
      List<Future<long[]>> writes = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        writes.add(s.write(List.of(v("key" + i, "value" + i, 100))));
      }
      return Future.all(writes);
    });
    RangeTrees live = new RangeTrees(ring, 2, "a");
    long scanned = onContext(vertx, () -> {
      Future<Long> build = s.rebuildTrees(live, 100, 1000, t -> { }, null);
      List<Future<?>> racing = new ArrayList<>();
      for (int i = 0; i < 3000; i += 7) {
        racing.add(s.write(List.of(v("key" + i, "newer" + i, 200))));
        racing.add(s.write(List.of(v("key" + (i + 1), "stale", 50))));
        racing.add(s.write(List.of(Versioned.tombstone("key" + (i + 2), 30 + i % 2 * 300))));
        racing.add(s.write(List.of(v("extra" + i, "x", 100))));
      }
      return Future.all(racing).compose(x -> build);
    });
    assertTrue(scanned >= 3000, "the scan read every row there was when it started, got " + scanned);
    assertTrue(live.ready());
    int purged = onContext(vertx, () -> s.purgeTombstones(1000, 0));
    assertTrue(purged > 100, "purged " + purged);
    RangeTrees rebuilt = new RangeTrees(ring, 2, "a");
    onContext(vertx, () -> s.rebuildTrees(rebuilt, 500, 1000, t -> { }, null));
    assertEquals(Arrays.toString(rebuilt.roots()), Arrays.toString(live.roots()));
    assertTrue(Arrays.stream(live.roots()).anyMatch(h -> h != new kvstore.repair.MerkleTree(0, 0).root()), "trees are not empty");
    await(s.close());
  }

  @Test
  void committedRowsReachTheDatabaseFileThroughTheBackgroundCheckpointNotTheWriter(Vertx vertx) throws Exception {
    SqliteStorage s = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    Path db = dir.resolve("kv.db");
    Path wal = dir.resolve("kv.db-wal");
    List<Versioned> rows = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      rows.add(v("ckpt-" + i, "x".repeat(200), 1));
    }
    onContext(vertx, () -> s.write(rows));
    // ~150 pages went to the log, far below the writer's own checkpoint threshold: without the
    // background checkpoint they would stay in the WAL and the database file would not grow
    long walBytes = java.nio.file.Files.size(wal);
    assertTrue(walBytes > 200 * 2000 && walBytes < SqliteFile.WAL_AUTOCHECKPOINT_PAGES * 4096L, "WAL holds the rows: " + walBytes);
    long before = java.nio.file.Files.size(db);
    assertTrue(before < 200 * 2000, "database file before the checkpoint: " + before);
    NodeConfig config = NodeConfig.parse(new JsonObject().put("nodeId", "n1").put("grpcPort", 1).put("httpPort", 2).put("peerPort", 3).put("insecure", true)
        .put("dataDir", dir.toString()), java.util.Map.of());
    String id = vertx.deployVerticle(new WalCheckpointVerticle(config, new EventLog("n1", false))).await();
    kvstore.testing.Await.until("the rows copied into kv.db", java.time.Duration.ofSeconds(10),
        () -> fileSize(db) > 200 * 2000);
    vertx.undeploy(id).await();
    await(s.close());
    SqliteStorage again = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    assertEquals("x".repeat(200), new String(await(again.read("ckpt-1999")).value(), StandardCharsets.UTF_8));
  }

  @Test
  void binaryValuesAndLargeVersionsRoundTripExactlyThroughTheLeanCodec(Vertx vertx) {
    SqliteStorage s = onContext(vertx, () -> SqliteStorage.open(vertx, dir, "FULL", 512));
    byte[] all = new byte[512];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    long big = Long.MAX_VALUE - 7;
    onContext(vertx, () -> s.write(List.of(new Versioned("bin", all, big, false), new Versioned("small", new byte[0], 3, false))));
    Versioned bin = await(s.read("bin"));
    assertArrayEquals(all, bin.value(), "every byte value survives binding and reading");
    assertEquals(big, bin.version(), "64-bit versions are not narrowed");
    Versioned small = await(s.read("small"));
    assertEquals(0, small.value().length);
    assertEquals(3, small.version(), "a version that fits an int reads back as the same number");
  }

  private static long fileSize(Path p) {
    try {
      return java.nio.file.Files.size(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
