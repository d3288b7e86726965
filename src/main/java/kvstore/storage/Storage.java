package kvstore.storage;

import io.vertx.core.Future;
import kvstore.version.Versioned;

import java.util.List;

/**
 * A node's local store of versioned rows. Writes apply with last-write-wins; implementations are
 * the SQLite store itself and its event-bus proxy, so callers never care which they hold.
 */
public interface Storage {
  /**
   * Applies the rows (each only if it beats what is stored) and commits them durably. The result
   * holds, per row, the version stored for its key afterwards: equal to the row's own when it was
   * applied or already there, larger when a newer write was already stored.
   */
  Future<long[]> write(List<Versioned> rows);

  /** The stored row of the key, tombstone included, or null when the key was never written. */
  Future<Versioned> read(String key);

  /** Every row (tombstones included) of one of the 16 chunks, ordered by key. */
  Future<List<Versioned>> chunk(int chunkId);

  /**
   * Every row (tombstones included) whose ring token lies in one of the token ranges, each given
   * as (low, high] in signed token space; low == high means the whole circle.
   */
  Future<List<Versioned>> tokenRanges(List<long[]> ranges);

  /** One page of rows (tombstones included) in a token interval; fewer than the limit when it was the last. */
  Future<List<Versioned>> scan(TokenScan scan);
}
