package kvstore.version;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StallDetectorTest {
  @Test
  void regularTicksAreNoStall() {
    StallDetector d = new StallDetector(1000, 0);
    for (long t = 10; t <= 5000; t += 10) {
      assertEquals(0, d.tick(t));
      assertEquals(0, d.suspectStallMs(t + 5));
    }
  }

  @Test
  void aStalledProcessRefusesWhileTheTicksAreLateAndForAWindowAfter() {
    StallDetector d = new StallDetector(1000, 0);
    d.tick(100);
    // the process ran again at 3100, and an event loop reads a request before the ticker's first tick
    assertEquals(3000, d.suspectStallMs(3100));
    assertEquals(3000, d.tick(3100));
    assertEquals(3000, d.suspectStallMs(3102));
    assertEquals(3000, d.suspectStallMs(4099));
    d.tick(4099);
    assertEquals(0, d.suspectStallMs(4100), "a window after the stall ended, writes are stamped again");
  }

  @Test
  void aStallShorterThanTheWindowIsNotOne() {
    StallDetector d = new StallDetector(1000, 0);
    assertEquals(0, d.tick(999));
    assertEquals(0, d.suspectStallMs(999));
  }

  @Test
  void zeroTurnsItOff() {
    StallDetector d = new StallDetector(0, 0);
    assertEquals(0, d.tick(60_000));
    assertEquals(0, d.suspectStallMs(120_000));
  }
}
