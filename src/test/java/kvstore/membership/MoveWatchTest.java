package kvstore.membership;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MoveWatchTest {
  private static Member m(String id, long generation, RingState state) {
    return new Member(id, "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", 1, generation, Status.UP, state);
  }

  private static final Member A = m("a", 1, RingState.NORMAL);
  private static final Member B = m("b", 1, RingState.NORMAL);

  @Test
  void aMoveSeenFirstEverywhereIsNotOvertaken() {
    MoveWatch w = new MoveWatch();
    w.start("d");
    w.see(List.of(A, B, m("d", 20, RingState.JOINING)));
    w.see(List.of(A, B, m("d", 20, RingState.JOINING), m("e", 30, RingState.JOINING)));
    assertTrue(w.watching("d"));
    assertNull(w.overtakenBy("d"), "e joins later than d: it waits");
  }

  @Test
  void anEarlierMoveHeardOfLateOvertakesOneUnderWay() {
    MoveWatch w = new MoveWatch();
    w.start("d");
    w.see(List.of(A, B, m("d", 20, RingState.JOINING)));
    // one member hears of e, which announced before d: it puts e first from now on
    w.see(List.of(A, B, m("d", 20, RingState.JOINING), m("e", 10, RingState.JOINING)));
    // and e has finished by the time d asks: what stays recorded is that it went first once
    w.see(List.of(A, B, m("d", 20, RingState.JOINING), m("e", 10, RingState.NORMAL)));
    assertEquals("e", w.overtakenBy("d"));
  }

  @Test
  void aLeavingNodeOfAnOlderGenerationOvertakesAJoin() {
    MoveWatch w = new MoveWatch();
    w.start("d");
    w.see(List.of(A.withState(RingState.LEAVING), B, m("d", 20, RingState.JOINING)));
    assertEquals("a", w.overtakenBy("d"));
  }

  @Test
  void aViewWithNoMoveAtAllSaysNothingAndStartingAgainForgets() {
    MoveWatch w = new MoveWatch();
    w.start("d");
    w.see(List.of(A, B));
    assertNull(w.overtakenBy("d"), "a member that has not heard of d yet is no other move");
    w.see(List.of(A, B, m("d", 20, RingState.JOINING), m("e", 10, RingState.JOINING)));
    w.start("d");
    assertNull(w.overtakenBy("d"), "a new attempt is watched from scratch");
    w.stop("d");
    assertFalse(w.watching("d"));
  }
}
