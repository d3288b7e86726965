package kvstore.version;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersioningTest {
  @Test
  void clockIsStrictlyIncreasingEvenWhenPhysicalTimeStandsStillOrGoesBack() {
    AtomicLong wall = new AtomicLong(1_000);
    HybridLogicalClock hlc = new HybridLogicalClock(wall::get, 10_000);
    long a = hlc.now();
    long b = hlc.now();
    wall.set(900);
    long c = hlc.now();
    assertTrue(a < b && b < c);
    assertEquals(1_000, Versions.toMillis(c), "logical ticks stay inside the millisecond");
  }

  @Test
  void aClockBehindByFiveSecondsStampsAfterWhatItObserved() {
    AtomicLong wall = new AtomicLong(10_000);
    HybridLogicalClock fast = new HybridLogicalClock(() -> wall.get() + 5_000, 10_000);
    HybridLogicalClock slow = new HybridLogicalClock(wall::get, 10_000);
    long first = fast.now();
    slow.observe(first);
    long second = slow.now();
    assertTrue(second > first, "write after an observed one must win despite skew");
    assertTrue(Versions.toMillis(second) == 15_000);
  }

  @Test
  void theClockNeverObservesATimeBeyondWallClockPlusTheSkewBound() {
    AtomicLong wall = new AtomicLong(1_000_000);
    HybridLogicalClock hlc = new HybridLogicalClock(wall::get, 10_000);
    java.util.List<long[]> refused = new java.util.ArrayList<>();
    hlc.onRefusal((seen, limit) -> refused.add(new long[] {seen, limit}));
    assertTrue(hlc.observe(Versions.fromMillis(1_009_000)), "9 s ahead is within the bound");
    assertTrue(!hlc.observe(Long.MAX_VALUE - 1), "a far-future clock is refused");
    assertTrue(!hlc.observe(Versions.fromMillis(1_011_000)), "11 s ahead is refused");
    assertEquals(2, refused.size());
    assertEquals(Versions.fromMillis(1_010_000), refused.get(1)[1], "the listener is told the limit");
    long next = hlc.now();
    assertTrue(Versions.toMillis(next) <= 1_010_000, "the clock stays within wall + bound: " + Versions.toMillis(next));
    assertTrue(next > Versions.fromMillis(1_009_000), "and after what it did observe");
    assertTrue(hlc.acceptable(Versions.fromMillis(1_010_000)));
    assertTrue(!hlc.acceptable(Versions.fromMillis(1_010_001)));
    wall.set(1_020_000);
    assertTrue(hlc.observe(Versions.fromMillis(1_011_000)), "the bound moves with the wall clock");
  }

  private static Versioned v(String value, long version) {
    return new Versioned("k", value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  @Test
  void lastWriteWinsWithDeterministicTies() {
    assertTrue(v("a", 2).newerThan(v("z", 1)));
    assertTrue(Versioned.tombstone("k", 5).newerThan(v("zzz", 5)), "tombstone beats a value of equal version");
    assertTrue(v("b", 5).newerThan(v("a", 5)));
    assertTrue(!v("a", 5).newerThan(v("b", 5)));
    assertEquals(0, Versioned.compare(v("a", 5), v("a", 5)));
    // unsigned byte order, as SQLite compares BLOBs: 0xC3 (é) > 'z'
    assertTrue(v("é", 5).newerThan(v("z", 5)));
    assertTrue(v("x", 1).newerThan(null));
  }

  @Test
  void millisecondsRoundTrip() {
    assertEquals(1_700_000_000_123L, Versions.toMillis(Versions.fromMillis(1_700_000_000_123L)));
    assertEquals(1_700_000_000_123L, Versions.toMillis(Versions.fromMillis(1_700_000_000_123L) + 999));
  }

  @Test
  void aRestoredMarkKeepsVersionsTtlsAndTheSkewLimitAboveItWhenTheWallClockWentBack() {
    AtomicLong wall = new AtomicLong(1_000_000);
    HybridLogicalClock before = new HybridLogicalClock(wall::get, 10_000);
    java.util.List<Long> persisted = new java.util.ArrayList<>();
    before.reserveAhead(Versions.fromMillis(2_000), persisted::add);
    long stamped = 0;
    for (int i = 0; i < 100; i++) {
      wall.addAndGet(100);
      stamped = before.now();
    }
    long mark = persisted.get(persisted.size() - 1);
    assertTrue(mark > stamped, "the persisted bound is above every stamp: " + mark + " vs " + stamped);
    assertTrue(persisted.size() < 20, "a write per half reserve, not per stamp: " + persisted.size());
    // restarted a minute in the past
    wall.addAndGet(-60_000);
    HybridLogicalClock after = new HybridLogicalClock(wall::get, 10_000);
    after.restore(mark);
    assertTrue(after.now() > stamped);
    assertEquals(Versions.toMillis(mark), after.wallMillis(), "TTLs expire against the mark, not the stepped-back clock");
    assertTrue(after.acceptable(stamped + Versions.fromMillis(5_000)),
        "versions just above the node's own are still within the skew bound");
  }
}
