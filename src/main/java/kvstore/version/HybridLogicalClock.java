package kvstore.version;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014) folded into one long of micro-ticks: never behind
 * physical time, strictly increasing, and never behind any version this node has observed.
 * Observing the versions other nodes produce (through replica answers and gossip) is what makes a
 * write acknowledged after another one get a larger version even when wall clocks are skewed.
 *
 * <p>An observed time further ahead of this node's wall clock than the skew bound is refused, not
 * observed: one far-future stamp (a forged gossip clock, a client sending microseconds) would
 * otherwise drag every clock that hears of it to near {@code Long.MAX_VALUE}, after which no later
 * write of any key could win. This is the maximum-offset rule of the HLC paper and CockroachDB.
 */
public final class HybridLogicalClock {
  /** Told of every refused observation: what was seen and the largest value allowed at that moment. */
  public interface RefusalListener {
    void refused(long seen, long limit);
  }

  private final LongSupplier physicalMillis;
  private final long maxSkewTicks;
  private volatile RefusalListener listener = (seen, limit) -> { };
  private long last;

  public HybridLogicalClock(LongSupplier physicalMillis, long maxSkewMillis) {
    this.physicalMillis = physicalMillis;
    this.maxSkewTicks = Versions.fromMillis(maxSkewMillis);
  }

  public static HybridLogicalClock system(long offsetMillis, long maxSkewMillis) {
    return new HybridLogicalClock(() -> System.currentTimeMillis() + offsetMillis, maxSkewMillis);
  }

  public void onRefusal(RefusalListener l) {
    this.listener = l;
  }

  /** A new timestamp, larger than every one returned or observed before. */
  public synchronized long now() {
    long physical = Versions.fromMillis(physicalMillis.getAsLong());
    last = Math.max(physical, last + 1);
    return last;
  }

  /** This node's wall clock in ms (with its configured offset): what TTL expiry is measured against. */
  public long wallMillis() {
    return physicalMillis.getAsLong();
  }

  public long maxSkewMillis() {
    return Versions.toMillis(maxSkewTicks);
  }

  /** The largest time this node accepts from anyone right now: wall clock plus the skew bound. */
  public long limit() {
    return Versions.fromMillis(physicalMillis.getAsLong()) + maxSkewTicks;
  }

  /** True when {@code version} is not beyond {@link #limit()}; a value that is counts as refused. */
  public boolean acceptable(long version) {
    long limit = limit();
    if (version > limit) {
      listener.refused(version, limit);
      return false;
    }
    return true;
  }

  /** Makes every later {@link #now()} larger than {@code seen}, unless {@code seen} is beyond the skew bound. */
  public synchronized boolean observe(long seen) {
    if (seen <= last) {
      return true;
    }
    if (!acceptable(seen)) {
      return false;
    }
    last = seen;
    return true;
  }

  public synchronized long peek() {
    return Math.max(last, Versions.fromMillis(physicalMillis.getAsLong()));
  }
}
