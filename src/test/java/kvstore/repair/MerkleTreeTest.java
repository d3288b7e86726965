package kvstore.repair;

import kvstore.storage.RowHash;
import kvstore.ring.Ring;
import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MerkleTreeTest {
  private static final long START = -4_000_000_000_000_000_000L;
  private static final long END = 3_000_000_000_000_000_000L;

  private static Versioned row(String key, String value, long version) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  /** Keys whose tokens fall in the test range, so every one lands in some leaf. */
  private static List<Versioned> rowsInRange(MerkleTree tree, int n, long version) {
    List<Versioned> out = new ArrayList<>();
    for (int i = 0; out.size() < n; i++) {
      String key = "key-" + i;
      if (tree.covers(Ring.token(key))) {
        out.add(row(key, "value-" + i, version));
      }
    }
    return out;
  }

  private static MerkleTree build(List<Versioned> rows) {
    MerkleTree t = new MerkleTree(START, END);
    for (Versioned r : rows) {
      t.add(Ring.token(r.key()), RowHash.of(r));
    }
    return t;
  }

  @Test
  void sameRowsInAnyOrderGiveTheSameTree() {
    List<Versioned> rows = rowsInRange(new MerkleTree(START, END), 2000, 7);
    List<Versioned> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new Random(1));
    MerkleTree a = build(rows);
    MerkleTree b = build(shuffled);
    assertEquals(a.root(), b.root());
    assertTrue(MerkleTree.differingLeaves(a, b).isEmpty());
    assertNotEquals(new MerkleTree(START, END).root(), a.root(), "rows change the root");
  }

  @Test
  void incrementalUpdatesEqualARebuildOfTheFinalRows() {
    List<Versioned> rows = rowsInRange(new MerkleTree(START, END), 1000, 1);
    MerkleTree live = build(rows);
    List<Versioned> finalRows = new ArrayList<>(rows);
    Random rnd = new Random(2);
    for (int i = 0; i < 300; i++) {
      int idx = rnd.nextInt(finalRows.size());
      Versioned old = finalRows.get(idx);
      Versioned next = i % 3 == 0 ? Versioned.tombstone(old.key(), old.version() + 1) : row(old.key(), "v" + i, old.version() + 1);
      live.add(Ring.token(old.key()), RowHash.of(next) - RowHash.of(old));
      finalRows.set(idx, next);
    }
    // a purge removes a row entirely
    Versioned purged = finalRows.remove(0);
    live.add(Ring.token(purged.key()), -RowHash.of(purged));
    MerkleTree rebuilt = build(finalRows);
    assertEquals(rebuilt.root(), live.root());
    for (int leaf = 0; leaf < MerkleTree.LEAVES; leaf++) {
      assertEquals(rebuilt.leaf(leaf), live.leaf(leaf), "leaf " + leaf);
    }
  }

  @Test
  void diffFindsExactlyTheLeavesWhereRowsDiffer() {
    MerkleTree shape = new MerkleTree(START, END);
    List<Versioned> rows = rowsInRange(shape, 5000, 1);
    List<Versioned> theirs = new ArrayList<>(rows);
    Set<Integer> expected = new TreeSet<>();
    // a missing row, a newer version, a tombstone in place of a value: three kinds of difference
    int[] changed = {10, 2000, 4321};
    theirs.remove(changed[0]);
    theirs.set(changed[1] - 1, row(rows.get(changed[1]).key(), "newer", 2));
    theirs.set(changed[2] - 1, Versioned.tombstone(rows.get(changed[2]).key(), 1));
    for (int c : changed) {
      expected.add(shape.leafOf(Ring.token(rows.get(c).key())));
    }
    List<Integer> diff = MerkleTree.differingLeaves(build(rows), build(theirs));
    assertEquals(expected, new TreeSet<>(diff));
    assertEquals(expected.size(), diff.size(), "each differing leaf reported once");
  }

  @Test
  void emptyTreesAgreeAndAnEmptyLeafDiffersFromAFilledOne() {
    assertEquals(new MerkleTree(START, END).root(), new MerkleTree(START, END).root());
    assertTrue(MerkleTree.differingLeaves(new MerkleTree(START, END), new MerkleTree(START, END)).isEmpty());
    List<Versioned> one = rowsInRange(new MerkleTree(START, END), 1, 1);
    List<Integer> diff = MerkleTree.differingLeaves(new MerkleTree(START, END), build(one));
    assertEquals(List.of(new MerkleTree(START, END).leafOf(Ring.token(one.get(0).key()))), diff);
  }

  @Test
  void tombstoneAndValueOfTheSameVersionHashApart() {
    assertNotEquals(RowHash.of(row("k", "", 5)), RowHash.of(Versioned.tombstone("k", 5)));
    assertNotEquals(RowHash.of(row("k", "a", 5)), RowHash.of(row("k", "a", 6)));
    assertEquals(RowHash.of(row("k", "a", 5)), RowHash.of(row("k", "a", 5)));
    assertNotEquals(RowHash.of(row("ab", "c", 1)), RowHash.of(row("a", "bc", 1)), "length-prefixed");
  }

  /** The expiry is part of the row: replicas whose copies differ only in it see a differing leaf. */
  @Test
  void expiryIsPartOfTheRowHash() {
    Versioned plain = row("k", "a", 5);
    Versioned expiring = new Versioned("k", plain.value(), 5, false, 1_000);
    assertNotEquals(RowHash.of(plain), RowHash.of(expiring));
    assertNotEquals(RowHash.of(expiring), RowHash.of(new Versioned("k", plain.value(), 5, false, 1_001)));
    assertEquals(RowHash.of(expiring), RowHash.of(new Versioned("k", plain.value(), 5, false, 1_000)));
  }

  /** Expired values past the grace period are not sent back to a replica that already purged them; younger ones are. */
  @Test
  void leafExchangeLeavesPurgeableExpiredValuesAlone() {
    long cutoff = kvstore.version.Versions.fromMillis(10_000);
    Versioned old = new Versioned("old", "v".getBytes(), 1, false, 9_000);
    Versioned young = new Versioned("young", "v".getBytes(), 1, false, 11_000);
    LeafExchange x = LeafExchange.between(List.of(old, young), List.of(), cutoff);
    assertEquals(List.of(young), x.push());
    LeafExchange y = LeafExchange.between(List.of(), List.of(KeyDigest.of(old), KeyDigest.of(young)), cutoff);
    assertEquals(List.of("young"), y.pull());
  }

  @Test
  void leavesTileTheRangeWithoutGapsOrOverlap() {
    for (long[] range : new long[][] {{START, END}, {END, START}, {Long.MAX_VALUE - 5, Long.MIN_VALUE + 1000}, {42, 42}}) {
      MerkleTree t = new MerkleTree(range[0], range[1]);
      assertEquals(range[0], t.leafBounds(0)[0]);
      assertEquals(range[1], t.leafBounds(MerkleTree.LEAVES - 1)[1]);
      for (int leaf = 1; leaf < MerkleTree.LEAVES; leaf++) {
        assertEquals(t.leafBounds(leaf - 1)[1], t.leafBounds(leaf)[0], "leaf " + leaf + " starts where its neighbour ends");
      }
      Random rnd = new Random(3);
      for (int i = 0; i < 20_000; i++) {
        long token = rnd.nextLong();
        if (!t.covers(token)) {
          continue;
        }
        int leaf = t.leafOf(token);
        long[] b = t.leafBounds(leaf);
        // token in (low, high] on the circle
        assertTrue(token - b[0] != 0 && Long.compareUnsigned(token - b[0], b[1] - b[0]) <= 0 || b[0] == b[1],
            "token " + token + " in leaf " + leaf + " bounds " + b[0] + ".." + b[1]);
      }
      assertTrue(t.covers(range[1]));
      assertEquals(range[0] == range[1], t.covers(range[0]), "start is excluded unless the range is the whole circle");
    }
  }

  @Test
  void leafExchangeMovesEachDifferingRowFromTheWinningSide() {
    List<Versioned> mine = List.of(row("same", "x", 1), row("mine-newer", "m", 5), row("theirs-newer", "m", 1),
        row("only-mine", "m", 1), Versioned.tombstone("old-tombstone-mine", 2), row("tie", "a", 9));
    List<KeyDigest> theirs = List.of(KeyDigest.of(row("same", "x", 1)), KeyDigest.of(row("mine-newer", "t", 4)),
        KeyDigest.of(row("theirs-newer", "t", 2)), KeyDigest.of(Versioned.tombstone("only-theirs", 30)),
        KeyDigest.of(Versioned.tombstone("old-tombstone-theirs", 3)), KeyDigest.of(row("tie", "b", 9)));
    LeafExchange x = LeafExchange.between(mine, theirs, 10);
    assertEquals(List.of("theirs-newer", "only-theirs", "tie"), x.pull());
    assertEquals(List.of("mine-newer", "tie", "only-mine"), x.push().stream().map(Versioned::key).toList());
    assertFalse(x.pull().contains("old-tombstone-theirs"), "purgeable tombstones stay where they are");
  }

  @Test
  void throttleSpacesWorkAtTheConfiguredRate() {
    Throttle t = new Throttle(1000, 0);
    assertEquals(0, t.acquire(1000, 0), "one second's burst is free");
    assertEquals(500, t.acquire(500, 0));
    // 2 s later the debt is paid and 1000 more rows are available
    assertEquals(0, t.acquire(1000, 2_000_000_000L));
    assertEquals(0, new Throttle(0, 0).acquire(1_000_000, 0), "0 means unlimited");
  }
}
