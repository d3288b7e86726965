package kvstore.storage;

import kvstore.version.Versioned;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recently read rows, shared by the writer and every reader of a node, so a hot read
 * skips the hand-off to a JDBC worker thread. Bounded by entries; evicts in hash order (no LRU
 * bookkeeping on the read path).
 *
 * <p>The writer drops a key's entry after each commit that changed it; a reader may add a row it
 * read from SQLite only if no commit touched the key's stripe since before its read began. Both happen in
 * the map's per-key {@code compute}, so a read that raced a commit can never leave its older row
 * behind, even when the newer entry was evicted in between.
 */
public final class RowCache {
  private static final int STRIPES = 4096;
  private final int capacity;
  private final ConcurrentHashMap<String, Versioned> rows;
  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

  /** {@code capacity} 0 disables the cache. */
  public RowCache(int capacity) {
    this.capacity = capacity;
    this.rows = new ConcurrentHashMap<>(Math.min(capacity, 1 << 16));
  }

  public Versioned get(String key) {
    return capacity == 0 ? null : rows.get(key);
  }

  /** Taken before a read of storage; hand it to {@link #fill} with what the read found. */
  public long stamp(String key) {
    return stripes.get(stripe(key));
  }

  /** Caches a row read from storage unless a commit touched its key since {@code stamp}. */
  public void fill(String key, Versioned row, long stamp) {
    if (capacity == 0 || row == null) {
      return;
    }
    int s = stripe(key);
    rows.compute(key, (k, cur) -> cur != null ? cur : stripes.get(s) == stamp ? row : null);
    trim();
  }

  /**
   * The writer's word after a commit changed the key (or a purge removed it): its cached row, if
   * any, is gone, and reads that began before cannot put theirs back. Invalidated rather than
   * written through: under a write-heavy load every written-through row outlived a few young
   * collections and was copied by each, which cost more than the misses it saved.
   */
  public void invalidate(String key) {
    if (capacity == 0) {
      return;
    }
    int s = stripe(key);
    rows.compute(key, (k, cur) -> {
      stripes.incrementAndGet(s);
      return null;
    });
  }

  public int size() {
    return rows.size();
  }

  private void trim() {
    int excess = rows.size() - capacity;
    if (excess <= 0) {
      return;
    }
    // a few percent at a time, so trimming is rare and each costs one short walk
    int drop = excess + Math.max(1, capacity / 32);
    Iterator<String> it = rows.keySet().iterator();
    while (drop-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private static int stripe(String key) {
    return (key.hashCode() & 0x7fffffff) % STRIPES;
  }
}
