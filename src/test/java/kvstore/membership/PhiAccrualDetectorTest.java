package kvstore.membership;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhiAccrualDetectorTest {
  private static PhiAccrualDetector regularHeartbeats(long until) {
    PhiAccrualDetector d = new PhiAccrualDetector(100, 250, 2000, 1000);
    for (long t = 0; t <= until; t += 1000) {
      d.heartbeat(t);
    }
    return d;
  }

  @Test
  void phiGrowsWithSilenceAndIsLowRightAfterAHeartbeat() {
    PhiAccrualDetector d = regularHeartbeats(60_000);
    assertTrue(d.phi(60_500) < 0.5, "phi " + d.phi(60_500));
    double previous = 0;
    for (long t = 61_000; t < 80_000; t += 500) {
      double phi = d.phi(t);
      assertTrue(phi >= previous, "phi must not fall while the peer is silent");
      previous = phi;
    }
  }

  /** With 1 s gossip and the defaults, a dead peer crosses phi 10 (DOWN) between 3 and 6 s after its last heartbeat. */
  @Test
  void detectionTimeWithDefaultSettings() {
    PhiAccrualDetector d = regularHeartbeats(60_000);
    long down = 60_000;
    while (d.phi(down) < 10) {
      down += 10;
    }
    long elapsed = down - 60_000;
    assertTrue(elapsed > 3000 && elapsed < 6000, "DOWN after " + elapsed + " ms");
  }

  @Test
  void jitteryHeartbeatsWidenTheTolerance() {
    PhiAccrualDetector steady = regularHeartbeats(60_000);
    PhiAccrualDetector jittery = new PhiAccrualDetector(100, 250, 2000, 1000);
    long t = 0;
    for (int i = 0; i < 60; i++) {
      t += (i % 2 == 0) ? 300 : 1700;
      jittery.heartbeat(t);
    }
    assertTrue(jittery.phi(t + 4000) < steady.phi(60_000 + 4000));
    assertEquals(0, new PhiAccrualDetector(100, 250, 2000, 1000).phi(5000), "no heartbeat yet, no suspicion");
  }
}
