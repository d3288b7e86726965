package kvstore.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CheckpointPacingTest {
  @Test
  void aFastGrowingLogIsCopiedAtTheShortestInterval() {
    CheckpointPacing p = new CheckpointPacing(20, 1000, 200);
    assertEquals(20, p.nextDelayMs(0, 0), "the first checkpoint has nothing to go by");
    // 10,000 pages a second (puts to a table of 10M rows): 200 pages take 20 ms
    assertEquals(20, p.nextDelayMs(200, 20));
    assertEquals(20, p.nextDelayMs(400, 40));
    // faster still: never below the shortest interval
    assertEquals(20, p.nextDelayMs(1400, 60));
  }

  @Test
  void aSlowerLogWaitsUntilItHasGainedAboutOneCopysWorth() {
    CheckpointPacing p = new CheckpointPacing(20, 1000, 200);
    p.nextDelayMs(0, 0);
    // 2,000 pages a second: 200 take 100 ms
    assertEquals(100, p.nextDelayMs(40, 20));
    assertEquals(100, p.nextDelayMs(240, 120));
    // the log started over in between (shorter than last time): what it holds is all new, 200 in 100 ms
    assertEquals(100, p.nextDelayMs(200, 220));
    // an idle log waits the longest
    assertEquals(1000, p.nextDelayMs(200, 1220));
    assertEquals(1000, p.nextDelayMs(0, 2220), "an idle log that started over: nothing gained");
  }

  @Test
  void aFailureIsRetriedSoonAndEqualBoundsAreAFixedInterval() {
    CheckpointPacing p = new CheckpointPacing(20, 1000, 200);
    assertEquals(20, p.nextDelayMs(-1, 0));
    CheckpointPacing fixed = new CheckpointPacing(20, 20, 200);
    fixed.nextDelayMs(0, 0);
    assertEquals(20, fixed.nextDelayMs(0, 1000));
    assertEquals(20, fixed.nextDelayMs(5, 2000));
    assertThrows(IllegalArgumentException.class, () -> new CheckpointPacing(100, 20, 200));
    assertThrows(IllegalArgumentException.class, () -> new CheckpointPacing(20, 100, 0));
  }
}
