package kvstore.version;

import java.util.Arrays;

/**
 * One stored version of a key: a value or a tombstone. Last write wins; equal versions are broken
 * so that every replica picks the same winner: a tombstone beats a value, then the larger value
 * bytes (unsigned, the order SQLite uses for BLOBs, so the SQL upsert guard agrees with this).
 */
public record Versioned(String key, byte[] value, long version, boolean tombstone) {
  private static final byte[] EMPTY = new byte[0];

  public Versioned {
    if (value == null) {
      value = EMPTY;
    }
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
    return Arrays.compareUnsigned(a.value, b.value);
  }

  public boolean newerThan(Versioned other) {
    return other == null || compare(this, other) > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versioned v && key.equals(v.key) && version == v.version && tombstone == v.tombstone
        && Arrays.equals(value, v.value);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return key + "@" + version + (tombstone ? " (tombstone)" : " (" + value.length + " bytes)");
  }
}
