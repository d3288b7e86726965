package kvstore.repair;

import kvstore.storage.RowHash;
import kvstore.ring.Ring;
import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeTreesTest {
  private final Ring ring = Ring.of(List.of("n1", "n2", "n3", "n4"), 16);

  private static Versioned row(String key, String value, long version) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), version, false);
  }


  @Test
  void treesExistExactlyForTheRangesThisNodeReplicates() {
    RangeTrees t = new RangeTrees(ring, 2, "n1");
    long[] tokens = ring.tokens();
    for (int i = 0; i < tokens.length; i++) {
      assertEquals(ring.preferenceListForToken(tokens[i], 2).contains("n1"), t.tree(i) != null, "range " + i);
    }
    for (int i = 0; i < 1000; i++) {
      String key = "k" + i;
      int range = t.rangeOf(Ring.token(key));
      assertEquals(ring.preferenceList(key, 2), t.replicas(range), key);
      if (t.tree(range) != null) {
        assertTrue(t.tree(range).covers(Ring.token(key)));
      }
    }
    for (int r : t.sharedWith("n2")) {
      assertTrue(t.replicas(r).containsAll(List.of("n1", "n2")));
    }
    assertEquals(t.fingerprint(), new RangeTrees(Ring.of(List.of("n4", "n3", "n2", "n1"), 16), 2, "n2").fingerprint());
  }

  /**
   * Writes interleaved with the build scan, as the storage writer runs them: the finished trees
   * equal trees built from the final rows in one go.
   */
  @Test
  void writesDuringTheBuildScanAreCountedExactlyOnce() {
    // the table as SQLite keeps it: rowid -> row, a new key appended after the largest rowid
    java.util.TreeMap<Long, Versioned> table = new java.util.TreeMap<>();
    Map<String, Long> rowids = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      rowids.put("k" + i, (long) i + 1);
      table.put((long) i + 1, row("k" + i, "v", 1));
    }
    RangeTrees building = new RangeTrees(ring, 3, "n1");
    assertFalse(building.ready());
    assertEquals(Long.MIN_VALUE, building.scannedThrough());
    Random rnd = new Random(4);
    int page = 250;
    while (true) {
      // a few writes land between pages, some behind the cursor and some ahead of it, new keys at the end
      for (int w = 0; w < 20; w++) {
        String key = "k" + rnd.nextInt(3500);
        Long rowid = rowids.computeIfAbsent(key, k -> table.lastKey() + 1);
        Versioned old = table.get(rowid);
        Versioned next = rnd.nextBoolean() ? Versioned.tombstone(key, 2 + w) : row(key, "w" + w, 2 + w);
        table.put(rowid, next);
        building.apply(rowid, Ring.token(key), RowHash.of(old), RowHash.of(next));
      }
      var pageRows = table.tailMap(building.scannedThrough(), false).entrySet().stream().limit(page).toList();
      for (var r : pageRows) {
        building.addScanned(r.getKey(), Ring.token(r.getValue().key()), RowHash.of(r.getValue()));
      }
      if (pageRows.size() < page) {
        building.markReady();
        break;
      }
    }
    RangeTrees oneGo = new RangeTrees(ring, 3, "n1");
    table.forEach((rowid, r) -> oneGo.addScanned(rowid, Ring.token(r.key()), RowHash.of(r)));
    oneGo.markReady();
    assertTrue(building.ready());
    assertEquals(java.util.Arrays.toString(oneGo.roots()), java.util.Arrays.toString(building.roots()));
  }
}
