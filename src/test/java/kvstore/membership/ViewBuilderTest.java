package kvstore.membership;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ViewBuilderTest {
  private static Member m(String id, long hb, long gen, Status status, RingState state) {
    return new Member(id, "127.0.0.1:1" + id, "127.0.0.1:2" + id, "127.0.0.1:3" + id, hb, gen, status, state);
  }

  private static Member up(String id, long hb) {
    return m(id, hb, 1, Status.UP, RingState.NORMAL);
  }

  @Test
  void heartbeatsAloneMakeNoNewViewAndUnchangedRingsAreKept() {
    ViewBuilder b = new ViewBuilder("a", 16);
    ClusterView first = b.next(List.of(up("a", 1), up("b", 1), up("c", 1)), Map.of());
    assertNotNull(first);
    assertEquals(List.of("a", "b", "c"), first.ring().nodes().stream().sorted().toList());
    assertSame(first.ring(), first.futureRing(), "nothing moves: one ring");
    assertNull(b.next(List.of(up("a", 2), up("b", 5), up("c", 9)), Map.of()), "heartbeats are not news");
    ClusterView suspect = b.next(List.of(up("a", 2), up("b", 5), m("c", 9, 1, Status.DOWN, RingState.NORMAL)), Map.of());
    assertNotNull(suspect, "a status change is");
    assertSame(first.ring(), suspect.ring(), "the same owners: the ring is reused, not rebuilt");
  }

  @Test
  void theFutureRingHasTheActiveMoveOnlyAndLeftOrJoiningNodesOwnNothingNow() {
    ViewBuilder b = new ViewBuilder("a", 16);
    ClusterView v = b.next(List.of(up("a", 1), up("b", 1), up("c", 1),
        m("d", 1, 5, Status.UP, RingState.JOINING), m("e", 1, 7, Status.UP, RingState.JOINING),
        m("f", 1, 1, Status.LEFT, RingState.NORMAL)), Map.of());
    assertEquals(List.of("a", "b", "c"), v.ring().nodes().stream().sorted().toList());
    assertEquals(List.of("a", "b", "c", "d"), v.futureRing().nodes().stream().sorted().toList(), "d announced first: it moves, e waits");
    ClusterView leaving = b.next(List.of(up("a", 1), m("b", 1, 1, Status.UP, RingState.LEAVING), up("c", 1), up("d", 1)), Map.of());
    assertEquals(List.of("a", "b", "c", "d"), leaving.ring().nodes().stream().sorted().toList(), "a leaving node still owns its ranges");
    assertEquals(List.of("a", "c", "d"), leaving.futureRing().nodes().stream().sorted().toList());
  }
}
