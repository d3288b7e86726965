package kvstore.api;

import kvstore.version.Versioned;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The prototype's GetChunkHash: SHA-256 of a chunk's rows in key order: (key, value, version, tombstone) each, length-prefixed so
 * no two different row lists hash alike by concatenation. Depends on content only, so identical
 * data gives identical digests on every node.
 */
final class ChunkDigest {
  private ChunkDigest() {
  }

  /** {@code rows} must be sorted by key (UTF-8 byte order, as SQLite returns them). */
  static byte[] of(List<Versioned> rows) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer header = ByteBuffer.allocate(4 + 8 + 1 + 4);
    for (Versioned r : rows) {
      byte[] key = r.key().getBytes(StandardCharsets.UTF_8);
      header.clear();
      header.putInt(key.length);
      sha.update(header.array(), 0, 4);
      sha.update(key);
      header.clear();
      header.putLong(r.version()).put((byte) (r.tombstone() ? 1 : 0)).putInt(r.value().length);
      sha.update(header.array(), 0, 13);
      sha.update(r.value());
    }
    return sha.digest();
  }
}
