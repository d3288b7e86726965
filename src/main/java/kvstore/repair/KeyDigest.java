package kvstore.repair;

import kvstore.storage.RowHash;
import kvstore.version.Versioned;

/** What a replica says about one row of a differing leaf: enough to decide who sends it, not the value. */
public record KeyDigest(String key, long version, boolean tombstone, long expiresAtMs, long hash) {
  public static KeyDigest of(Versioned row) {
    return new KeyDigest(row.key(), row.version(), row.tombstone(), row.expiresAtMs(), RowHash.of(row));
  }

  public boolean purgeableBelow(long cutoffVersion) {
    return Versioned.purgeable(tombstone, version, expiresAtMs, cutoffVersion);
  }
}
