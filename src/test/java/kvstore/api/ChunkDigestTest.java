package kvstore.api;

import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ChunkDigestTest {
  private static Versioned v(String key, String value, long version) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  @Test
  void digestDependsOnContentOnlyAndCoversTombstones() {
    List<Versioned> a = List.of(v("a", "1", 1), v("b", "2", 2));
    assertArrayEquals(ChunkDigest.of(a), ChunkDigest.of(List.of(v("a", "1", 1), v("b", "2", 2))));
    assertFalse(java.util.Arrays.equals(ChunkDigest.of(a), ChunkDigest.of(List.of(v("a", "1", 1), Versioned.tombstone("b", 2)))));
    assertFalse(java.util.Arrays.equals(ChunkDigest.of(a), ChunkDigest.of(List.of(v("a", "1", 1), v("b", "2", 3)))));
    // length prefixes: moving a byte from key to value changes the digest
    assertFalse(java.util.Arrays.equals(ChunkDigest.of(List.of(v("ab", "c", 1))), ChunkDigest.of(List.of(v("a", "bc", 1)))));
  }
}
