package kvstore.storage;

/**
 * What the storage writer keeps current for anti-entropy: an index of the rows' hashes by ring
 * token (repair's Merkle trees, {@code repair/RangeTrees}). The writer applies each committed
 * change in the same turn as the commit, and fills a fresh index by scanning the table in rowid
 * order, page by page behind client writes, so the index never misses a write: a change counts
 * only for a row the scan has passed. Rowid order reads the table front to back; (token, key)
 * order would look every row up from the index, ten times slower at 10M rows.
 * Storage owns this interface so that it need not know what the index is for.
 */
public interface RowHashIndex {
  /** A committed row's hash changed from {@code oldHash} to {@code newHash} (0 for no row). */
  void apply(long rowid, long token, long oldHash, long newHash);

  /** One row read by the build scan; rows arrive in rowid order. */
  void addScanned(long rowid, long token, long hash);

  /** The rowid of the last row the build scan read, {@link Long#MIN_VALUE} before its first page. */
  long scannedThrough();

  /** The scan reached the end of the table. */
  void markReady();

  long rowsScanned();

  /** Which ring the index was built for, for log lines. */
  long fingerprint();
}
