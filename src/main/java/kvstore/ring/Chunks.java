package kvstore.ring;

import java.nio.charset.StandardCharsets;

/**
 * The prototype's 16 chunks: a stable hash of the key mod 16. Every node uses this same function,
 * so chunk hashes of identical data are identical on any node.
 */
public final class Chunks {
  public static final int COUNT = 16;

  private Chunks() {
  }

  public static int of(String key) {
    return ofToken(Murmur3.hash64(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** The chunk of a key whose ring token ({@link Ring#token}, the same hash) is already known. */
  public static int ofToken(long token) {
    return (int) Long.remainderUnsigned(token, COUNT);
  }

  public static boolean valid(int chunkId) {
    return chunkId >= 0 && chunkId < COUNT;
  }
}
