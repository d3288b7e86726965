package kvstore.membership;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreshStartTest {
  private static FreshStart.Answer knows(String seed, Map<String, String> states) {
    return new FreshStart.Answer(seed, states);
  }

  private static FreshStart.Answer refused(String seed) {
    return new FreshStart.Answer(seed, Map.of());
  }

  private static FreshStart.Answer silent(String seed) {
    return new FreshStart.Answer(seed, null);
  }

  @Test
  void aMemberTheClusterRemembersWithRangesStreamsThemBack() {
    for (String state : List.of("NORMAL", "LEAVING", "REPLACING")) {
      FreshStart.Decision d = FreshStart.decide("node3", List.of(refused("a"), knows("b", Map.of("node1", "NORMAL", "node3", state))), 0, 10_000);
      assertEquals(RingState.REPLACING, d.state(), state);
      assertTrue(d.why().contains("b knows node3 as a " + state), d.why());
    }
  }

  @Test
  void aMemberThatLeftJoinsAgainAsANewNodeInsteadOfServingEmpty() {
    // its old id is LEFT everywhere: NORMAL would be refused by every member, and would serve nothing
    FreshStart.Decision d = FreshStart.decide("node3", List.of(silent("a"), knows("b", Map.of("node1", "NORMAL", "node3", "LEFT"))), 0, 10_000);
    assertEquals(RingState.JOINING, d.state());
    assertTrue(d.why().contains("b knows node3 as a member that left"), d.why());
    // a seed that still remembers it with ranges has not heard of the leave yet
    assertEquals(RingState.JOINING, FreshStart.decide("node3", List.of(knows("a", Map.of("node3", "LEFT")),
        knows("b", Map.of("node3", "NORMAL"))), 0, 10_000).state());
  }

  @Test
  void aNodeTheClusterDoesNotRememberOrRemembersAsJoiningIsNew() {
    assertEquals(RingState.NORMAL, FreshStart.decide("node3", List.of(knows("a", Map.of("node1", "NORMAL"))), 0, 10_000).state());
    assertEquals(RingState.NORMAL, FreshStart.decide("node3", List.of(knows("a", Map.of("node1", "NORMAL", "node3", "JOINING"))), 0, 10_000).state());
  }

  @Test
  void whenNoOtherSeedRunsItStartsAtOnceAndWaitsOnlyForSeedsThatNeitherAnswerNorRefuse() {
    FreshStart.Decision none = FreshStart.decide("node1", List.of(refused("a"), refused("b")), 0, 10_000);
    assertEquals(RingState.NORMAL, none.state());
    assertTrue(none.why().contains("no other seed is running"), none.why());
    assertNull(FreshStart.decide("node1", List.of(refused("a"), silent("b")), 3_000, 10_000), "b may be paused: ask again");
    assertEquals(RingState.NORMAL, FreshStart.decide("node1", List.of(refused("a"), silent("b")), 10_000, 10_000).state());
    // a silent seed does not hide what another remembers
    assertEquals(RingState.REPLACING, FreshStart.decide("node1", List.of(silent("a"), knows("b", Map.of("node1", "NORMAL"))), 0, 10_000).state());
  }
}
