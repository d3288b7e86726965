package kvstore.version;

import java.util.Arrays;

/**
 * One stored version of a key: a value or a tombstone. Last write wins; equal versions are broken
 * so that every replica picks the same winner: a tombstone beats a value, then the larger value
 * bytes (unsigned, the order SQLite uses for BLOBs, so the SQL upsert guard agrees with this), then
 * the earlier expiry.
 *
 * <p>{@code expiresAtMs} (wall-clock ms, 0 = never) travels with the row everywhere a row goes
 * (replica writes, hints, read repair, anti-entropy, streaming) and is part of its Merkle hash, so
 * every replica holding this version holds the same expiry: once past it, the row reads as not
 * found on all of them, and no older copy can win over it, since it is still the newest version.
 * It is purged like a tombstone, a grace period after it expired.
 */
public record Versioned(String key, byte[] value, long version, boolean tombstone, long expiresAtMs) {
  private static final byte[] EMPTY = new byte[0];

  public Versioned {
    if (value == null) {
      value = EMPTY;
    }
  }

  /** A row that never expires. */
  public Versioned(String key, byte[] value, long version, boolean tombstone) {
    this(key, value, version, tombstone, 0);
  }

  /** False for a tombstone and for a value whose expiry has passed at {@code nowMs}. */
  public boolean liveAt(long nowMs) {
    return !tombstone && (expiresAtMs == 0 || nowMs < expiresAtMs);
  }

  /**
   * True for a tombstone older than {@code cutoffVersion} and for a value that expired before it:
   * rows past the grace period, which the tombstone purge deletes.
   */
  public boolean purgeableBelow(long cutoffVersion) {
    return purgeable(tombstone, version, expiresAtMs, cutoffVersion);
  }

  public static boolean purgeable(boolean tombstone, long version, long expiresAtMs, long cutoffVersion) {
    return tombstone ? version < cutoffVersion : expiresAtMs != 0 && Versions.fromMillis(expiresAtMs) < cutoffVersion;
  }

  /** Never-expiring rows sort after every expiring one. */
  private static long expiryOrder(Versioned v) {
    return v.expiresAtMs == 0 ? Long.MAX_VALUE : v.expiresAtMs;
  }

  public static Versioned tombstone(String key, long version) {
    return new Versioned(key, EMPTY, version, true);
  }

  /** Positive when {@code a} wins over {@code b}, zero when they are the same version. */
  public static int compare(Versioned a, Versioned b) {
    int c = Long.compare(a.version, b.version);
    if (c != 0) {
      return c;
    }
    c = Boolean.compare(a.tombstone, b.tombstone);
    if (c != 0) {
      return c;
    }
    c = Arrays.compareUnsigned(a.value, b.value);
    if (c != 0) {
      return c;
    }
    return Long.compare(expiryOrder(b), expiryOrder(a));
  }

  public boolean newerThan(Versioned other) {
    return other == null || compare(this, other) > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versioned v && key.equals(v.key) && version == v.version && tombstone == v.tombstone
        && expiresAtMs == v.expiresAtMs && Arrays.equals(value, v.value);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return key + "@" + version + (tombstone ? " (tombstone)" : " (" + value.length + " bytes"
        + (expiresAtMs == 0 ? ")" : ", expires " + expiresAtMs + ")"));
  }
}
