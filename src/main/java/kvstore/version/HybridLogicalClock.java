package kvstore.version;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) folded into one long of micro-ticks: never behind
 * physical time, strictly increasing, and never behind any version this node has observed.
 * Observing the versions other nodes produce (through replica answers and gossip) is what makes a
 * write acknowledged after another one get a larger version even when wall clocks are skewed.
 */
public final class HybridLogicalClock {
  private final LongSupplier physicalMillis;
  private long last;

  public HybridLogicalClock(LongSupplier physicalMillis) {
    this.physicalMillis = physicalMillis;
  }

  public static HybridLogicalClock system(long offsetMillis) {
    return new HybridLogicalClock(() -> System.currentTimeMillis() + offsetMillis);
  }

  /** A new timestamp, larger than every one returned or observed before. */
  public synchronized long now() {
    long physical = Versions.fromMillis(physicalMillis.getAsLong());
    last = Math.max(physical, last + 1);
    return last;
  }

  /** Makes every later {@link #now()} larger than {@code seen}. */
  public synchronized void observe(long seen) {
    if (seen > last) {
      last = seen;
    }
  }

  public synchronized long peek() {
    return Math.max(last, Versions.fromMillis(physicalMillis.getAsLong()));
  }
}
