package kvstore.storage;

import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowCacheTest {
  private static Versioned v(String key, long version) {
    return new Versioned(key, ("v" + version).getBytes(StandardCharsets.UTF_8), version, false);
  }

  @Test
  void aReadThatRacedACommitNeverOutlivesIt() {
    RowCache cache = new RowCache(100);
    long stamp = cache.stamp("k");          // a reader starts, reads v1 from storage...
    cache.invalidate("k");                   // ...while the writer commits v2
    cache.fill("k", v("k", 1), stamp);
    assertNull(cache.get("k"), "the stale read is refused");
    long fresh = cache.stamp("k");
    cache.fill("k", v("k", 2), fresh);
    assertEquals(2, cache.get("k").version(), "a read begun after the commit is cached");
    cache.invalidate("k");
    assertNull(cache.get("k"), "a commit or purge drops the row");
    for (int i = 0; i < 200; i++) {          // eviction runs
      cache.fill("other" + i, v("other" + i, 1), cache.stamp("other" + i));
    }
    assertTrue(cache.size() <= 100, "bounded: " + cache.size());
    cache.fill("k", v("k", 1), stamp);
    assertNull(cache.get("k"), "the stale read is still refused after evictions");
    RowCache off = new RowCache(0);
    off.fill("k", v("k", 1), off.stamp("k"));
    assertNull(off.get("k"));
  }

  /**
   * A writer (storage, then cache) and readers (stamp, read storage, fill) hammer a few keys while
   * eviction runs: afterwards every cached row is the stored one.
   */
  @Test
  void underConcurrentWritesReadsAndEvictionTheCacheNeverHoldsAnOlderRowThanStorage() throws Exception {
    RowCache cache = new RowCache(8);
    Map<String, Versioned> storage = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    threads.add(new Thread(() -> {
      for (long version = 1; version <= 200_000; version++) {
        String key = "k" + (version % 16);
        storage.put(key, v(key, version));   // the commit
        cache.invalidate(key);               // then the writer's word to the cache
      }
      stop.set(true);
    }));
    for (int r = 0; r < 3; r++) {
      threads.add(new Thread(() -> {
        while (!stop.get()) {
          String key = "k" + ThreadLocalRandom.current().nextInt(16);
          long stamp = cache.stamp(key);
          Versioned read = storage.get(key);
          Thread.yield();                    // let commits and evictions slip in between
          cache.fill(key, read, stamp);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(60_000);
    }
    for (int i = 0; i < 16; i++) {
      Versioned cached = cache.get("k" + i);
      if (cached != null) {
        assertEquals(storage.get("k" + i), cached, "k" + i);
      }
    }
  }
}
