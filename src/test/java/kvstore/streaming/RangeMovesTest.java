package kvstore.streaming;

import kvstore.ring.Ring;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeMovesTest {
  private static final int RF = 3;

  /** The transfer covering a token, or null. */
  private static RangeMoves.Transfer covering(List<RangeMoves.Transfer> moves, long token) {
    RangeMoves.Transfer found = null;
    for (RangeMoves.Transfer t : moves) {
      if (token >= t.first() && token <= t.last()) {
        assertEquals(null, found, "two transfers cover token " + token);
        found = t;
      }
    }
    return found;
  }

  /**
   * Every set of sourcesNeeded(rf, w) replicas meets every set of w replicas (a write acknowledged by
   * w is on a source), and one replica fewer does not always (the rule asks no more than it must).
   */
  @Test
  void enoughSourcesMeetEveryAcknowledgingSetAndOneFewerDoesNot() {
    for (int rf = 1; rf <= 7; rf++) {
      for (int w = 1; w <= rf; w++) {
        int needed = RangeMoves.sourcesNeeded(rf, w);
        int full = (1 << rf) - 1;
        boolean fewerCanMiss = false;
        for (int sources = 0; sources <= full; sources++) {
          for (int acks = 0; acks <= full; acks++) {
            if (Integer.bitCount(acks) != w) {
              continue;
            }
            if (Integer.bitCount(sources) == needed) {
              assertTrue((sources & acks) != 0, "rf " + rf + ", w " + w + ": sources " + sources + " miss acks " + acks);
            }
            if (Integer.bitCount(sources) == needed - 1 && (sources & acks) == 0) {
              fewerCanMiss = true;
            }
          }
        }
        assertTrue(needed == 1 || fewerCanMiss, "rf " + rf + ", w " + w + ": " + (needed - 1) + " sources would do");
      }
    }
    assertEquals(2, RangeMoves.sourcesNeeded(3, 2), "RF 3 at QUORUM: two copies, where removenode took one");
  }

  @Test
  void everyTokenWhoseReplicasChangeIsCoveredOnceWithItsOldAndNewReplicas() {
    Ring now = Ring.of(List.of("a", "b", "c"), 16);
    Ring after = Ring.of(List.of("a", "b", "c", "d"), 16);
    List<RangeMoves.Transfer> moves = RangeMoves.between(now, after, RF);
    Random r = new Random(7);
    int moved = 0;
    for (int i = 0; i < 20_000; i++) {
      long token = i < 4 ? new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1}[i] : r.nextLong();
      List<String> cur = now.preferenceListForToken(token, RF);
      List<String> next = after.preferenceListForToken(token, RF);
      RangeMoves.Transfer t = covering(moves, token);
      if (cur.equals(next) || Set.copyOf(cur).containsAll(next)) {
        assertEquals(null, t, "token " + token + " keeps its replicas, nothing moves");
        continue;
      }
      moved++;
      assertTrue(t != null, "token " + token + " gains a replica but no transfer covers it");
      assertEquals(cur, t.sources());
      assertEquals(List.of("d"), t.targets(), "only the joining node gains ranges");
    }
    // d takes about RF/4 of the token space as a replica
    assertTrue(moved > 20_000 * 0.5 && moved < 20_000 * 0.95, "moved " + moved);
  }

  @Test
  void aLeavingNodesRangesGoToTheNodesThatTakeThemOver() {
    Ring now = Ring.of(List.of("a", "b", "c", "d"), 16);
    Ring after = Ring.of(List.of("a", "b", "c"), 16);
    List<RangeMoves.Transfer> moves = RangeMoves.between(now, after, RF);
    Random r = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      long token = r.nextLong();
      List<String> cur = now.preferenceListForToken(token, RF);
      RangeMoves.Transfer t = covering(moves, token);
      if (!cur.contains("d")) {
        assertEquals(null, t, "d did not replicate token " + token);
        continue;
      }
      assertTrue(t != null && t.sources().contains("d"));
      assertEquals(1, t.targets().size());
      assertTrue(after.preferenceListForToken(token, RF).contains(t.targets().get(0)));
    }
  }

  @Test
  void sameRingsMoveNothing() {
    Ring ring = Ring.of(List.of("a", "b", "c"), 8);
    assertEquals(List.of(), RangeMoves.between(ring, ring, RF));
    assertEquals(List.of(), RangeMoves.between(Ring.of(List.of(), 8), ring, RF), "nothing to stream from an empty ring");
  }
}
