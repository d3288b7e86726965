package kvstore.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatencyWindowTest {
  private static final double[] BOUNDS = {1, 2, 4, 8, 16};

  @Test
  void percentilesInterpolateInsideTheBucketTheRankFallsIn() {
    // 100 calls: 50 at or below 1 ms, 90 at or below 2 ms, all at or below 16 ms
    LatencyWindow.Percentiles p = LatencyWindow.percentiles(BOUNDS, new long[] {50, 90, 95, 98, 100});
    assertEquals(1.0, p.p50Ms(), 1e-9);
    assertEquals(8 + 8 * 0.5, p.p99Ms(), 1e-9);
    assertEquals(100, p.calls());
    assertEquals(new LatencyWindow.Percentiles(0, 0, 0), LatencyWindow.percentiles(BOUNDS, new long[] {0, 0, 0, 0, 0}));
  }

  @Test
  void eachSampleCoversOnlyTheCallsSinceTheSampleAtLeastTheSpanBefore() {
    LatencyWindow w = new LatencyWindow(1000);
    // a slow past: 100 calls of up to 16 ms
    assertEquals(100, w.sample(BOUNDS, new long[] {0, 0, 0, 0, 100}, 0).calls());
    // then 100 fast calls (<= 1 ms): the window holds them alone
    LatencyWindow.Percentiles fast = w.sample(BOUNDS, new long[] {100, 100, 100, 100, 200}, 1000);
    assertEquals(100, fast.calls());
    assertEquals(0.99, fast.p99Ms(), 1e-9);
    // asked again within the span: the same answer, the window does not shrink to nothing
    assertEquals(fast, w.sample(BOUNDS, new long[] {100, 100, 100, 100, 200}, 1500));
    // a quiet second: no calls, no percentiles
    assertEquals(0, w.sample(BOUNDS, new long[] {100, 100, 100, 100, 200}, 2000).calls());
  }
}
