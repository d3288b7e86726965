package kvstore.storage;

/**
 * What the storage writer keeps current for anti-entropy: an index of the rows' hashes by ring
 * token (repair's Merkle trees, {@code repair/RangeTrees}). The writer applies each committed
 * change in the same turn as the commit, and fills a fresh index by scanning the table in
 * (token, key) order, page by page behind client writes, so the index never misses a write.
 * Storage owns this interface so that it need not know what the index is for.
 */
public interface RowHashIndex {
  /** A committed row's hash changed from {@code oldHash} to {@code newHash} (0 for no row). */
  void apply(long token, String key, long oldHash, long newHash);

  /** One row read by the build scan; rows arrive in (token, key) order. */
  void addScanned(long token, String key, long hash);

  /** The last row the build scan read, or null before its first page. */
  ScanPosition position();

  /** The scan reached the end of the table. */
  void markReady();

  long rowsScanned();

  /** Which ring the index was built for, for log lines. */
  long fingerprint();

  /** A row's place in (token, key) order. */
  record ScanPosition(long token, String key) {
  }
}
