package kvstore.version;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientClockTest {
  @Test
  void stampsAreTheWallClockInMicroseconds() {
    ClientClock c = new ClientClock(() -> 1_700_000_000_000_123L);
    assertEquals(1_700_000_000_000_123L, c.next());
  }

  @Test
  void stampsIncreaseWithinOneMicrosecondAndWhenTheClockStepsBack() {
    AtomicLong now = new AtomicLong(5_000);
    ClientClock c = new ClientClock(now::get);
    assertEquals(5_000, c.next());
    assertEquals(5_001, c.next());
    now.set(1_000);
    assertEquals(5_002, c.next());
    now.set(9_000);
    assertEquals(9_000, c.next());
  }

  @Test
  void theSystemClockIsInMicrosecondsSinceTheEpoch() {
    long before = System.currentTimeMillis() * 1000;
    long stamp = ClientClock.system().next();
    assertTrue(stamp >= before && stamp < before + 10_000_000, stamp + " vs " + before);
  }
}
