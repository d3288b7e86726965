package kvstore.repair;

/**
 * A token bucket for repair bandwidth: {@code perSecond} rows on average, bursts of at most one
 * second's worth. Time is passed in, so the arithmetic is tested without clocks.
 */
public final class Throttle {
  private final double perSecond;
  private double available;
  private long lastNanos;

  /** {@code perSecond <= 0} means unlimited. */
  public Throttle(long perSecond, long nowNanos) {
    this.perSecond = perSecond;
    this.available = Math.max(perSecond, 0);
    this.lastNanos = nowNanos;
  }

  /** Takes {@code n} rows' worth; answers how long (ms) to pause before moving them. */
  public long acquire(long n, long nowNanos) {
    if (perSecond <= 0) {
      return 0;
    }
    available = Math.min(perSecond, available + (nowNanos - lastNanos) / 1e9 * perSecond);
    lastNanos = nowNanos;
    available -= n;
    return available >= 0 ? 0 : (long) Math.ceil(-available / perSecond * 1000);
  }
}
