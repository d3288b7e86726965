package kvstore.storage;

import kvstore.ring.Murmur3;
import kvstore.version.Versioned;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A row's contribution to its Merkle leaf: a 64-bit hash of (key, version, tombstone, value, and
 * the expiry when there is one), length-prefixed so no two different rows serialize alike.
 * Identical rows hash alike on every node.
 */
public final class RowHash {
  private RowHash() {
  }

  public static long of(Versioned row) {
    return row == null ? 0 : of(row.key(), row.version(), row.tombstone(), row.value(), row.expiresAtMs());
  }

  public static long of(String key, long version, boolean tombstone, byte[] value, long expiresAtMs) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    // an expiring row sets bit 1 of the flag byte and follows it with its expiry, so the rows that
    // never expire hash as they always did, and no two different rows serialize alike
    boolean expires = expiresAtMs != 0;
    ByteBuffer buf = ByteBuffer.allocate(4 + k.length + 8 + 1 + (expires ? 8 : 0) + value.length);
    buf.putInt(k.length).put(k).putLong(version).put((byte) ((tombstone ? 1 : 0) | (expires ? 2 : 0)));
    if (expires) {
      buf.putLong(expiresAtMs);
    }
    buf.put(value);
    long h = Murmur3.hash64(buf.array());
    // 0 is reserved for "no row", so an absent row and a present one never cancel out
    return h == 0 ? 1 : h;
  }
}
