package kvstore.ring;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingTest {
  private static List<String> nodes(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add("node" + i);
    }
    return out;
  }

  private static Map<String, Integer> primaryLoad(Ring ring, int keys) {
    Map<String, Integer> load = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      load.merge(ring.preferenceList("key-" + i, 1).get(0), 1, Integer::sum);
    }
    return load;
  }

  private static double maxOverMin(Map<String, Integer> load) {
    int max = load.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    int min = load.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    return (double) max / min;
  }

  /** Bound stated in the README: with 128 vnodes, max/min primary load stays under 1.25 (3 nodes) and 1.35 (10 nodes). */
  @Test
  void keysSpreadEvenlyOverThreeAndTenNodes() {
    Map<String, Integer> three = primaryLoad(Ring.of(nodes(3), 128), 200_000);
    Map<String, Integer> ten = primaryLoad(Ring.of(nodes(10), 128), 200_000);
    assertEquals(3, three.size());
    assertEquals(10, ten.size());
    assertTrue(maxOverMin(three) < 1.25, "3 nodes max/min " + maxOverMin(three) + " " + three);
    assertTrue(maxOverMin(ten) < 1.35, "10 nodes max/min " + maxOverMin(ten) + " " + ten);
  }

  @Test
  void addingANodeMovesAboutOneNthOfTheKeys() {
    Ring before = Ring.of(nodes(4), 128);
    Ring after = Ring.of(nodes(5), 128);
    int keys = 100_000;
    int moved = 0;
    for (int i = 0; i < keys; i++) {
      String k = "key-" + i;
      String a = before.preferenceList(k, 1).get(0);
      String b = after.preferenceList(k, 1).get(0);
      if (!a.equals(b)) {
        moved++;
        // a key only ever moves to the new node, never between old ones
        assertEquals("node5", b);
      }
    }
    double fraction = (double) moved / keys;
    assertTrue(fraction > 0.15 && fraction < 0.25, "moved " + fraction + ", expected about 1/5");
  }

  @Test
  void preferenceListHasRfDistinctNodesAndIsTheSameWhateverTheInsertionOrder() {
    Ring a = Ring.of(List.of("n1", "n2", "n3", "n4"), 64);
    Ring b = Ring.of(List.of("n4", "n2", "n1", "n3"), 64);
    for (int i = 0; i < 1000; i++) {
      List<String> p = a.preferenceList("k" + i, 3);
      assertEquals(3, new HashSet<>(p).size());
      assertEquals(p, b.preferenceList("k" + i, 3));
    }
    assertEquals(2, Ring.of(List.of("n1", "n2"), 8).preferenceList("x", 3).size());
    assertTrue(Ring.of(List.of(), 8).preferenceList("x", 3).isEmpty());
  }

  @Test
  void ownershipSumsToOne() {
    Map<String, Double> own = Ring.of(nodes(3), 128).ownership();
    assertEquals(1.0, own.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    own.values().forEach(share -> assertTrue(share > 0.25 && share < 0.42, "share " + share));
  }

  /** Each key has RF replicas, so replica shares sum to RF; with RF = node count every node holds everything. */
  @Test
  void replicaOwnershipSumsToTheReplicationFactorAndMatchesSampledKeys() {
    Ring ring = Ring.of(nodes(5), 16);
    Map<String, Double> own = ring.replicaOwnership(3);
    assertEquals(3.0, own.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    Map<String, Integer> sampled = new java.util.HashMap<>();
    int samples = 50_000;
    for (int i = 0; i < samples; i++) {
      ring.preferenceList("sample-" + i, 3).forEach(n -> sampled.merge(n, 1, Integer::sum));
    }
    own.forEach((n, share) -> assertEquals(share, sampled.get(n) / (double) samples, 0.02, n));
    Ring.of(nodes(3), 16).replicaOwnership(3).values().forEach(share -> assertEquals(1.0, share, 1e-9));
  }

  @Test
  void murmurMatchesReferenceVectorsAndChunksAreStable() {
    // reference values: h1 of MurmurHash3_x64_128 with seed 0, as Guava's murmur3_128(0).asLong()
    // computes them; lengths around the 16-byte block (15, 16, 17, 32, 33) and multi-byte UTF-8
    java.util.Map<String, Long> reference = new java.util.LinkedHashMap<>();
    reference.put("", 0L);
    reference.put("hello", 0xcbd8a7b341bd9b02L);
    reference.put("fifteen chars!!", 0xd6e39f612b8f03d7L);
    reference.put("0123456789abcdef", 0x4be06d94cf4ad1a7L);
    reference.put("0123456789abcdefg", 0x8e32612daa45f9deL);
    reference.put("0123456789abcdef0123456789abcdef", 0x4f3a26b5d6197cbaL);
    reference.put("0123456789abcdef0123456789abcdef0", 0x2e088f3b47fef53bL);
    reference.put("The quick brown fox jumps over the lazy dog", 0xe34bbc7bbc071b6cL);
    reference.put("key:\u00e9\u4e2d\ud83d\ude00-utf8 bytes of many lengths", 0xba9036e40cba81eaL);
    reference.forEach((s, h1) -> assertEquals((long) h1, Murmur3.hash64(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)), s));
    // the chunk is the hash mod 16, unsigned: 0x...6c -> 12
    assertEquals(12, Chunks.of("The quick brown fox jumps over the lazy dog"));
    int[] perChunk = new int[Chunks.COUNT];
    for (int i = 0; i < 16_000; i++) {
      perChunk[Chunks.of("k" + i)]++;
      // the storage writer derives the chunk from the token it already hashed
      assertEquals(Chunks.of("k" + i), Chunks.ofToken(Ring.token("k" + i)));
    }
    for (int c : perChunk) {
      assertTrue(c > 800 && c < 1200, "chunk load " + c);
    }
  }
}
