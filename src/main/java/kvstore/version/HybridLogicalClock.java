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
  /** A time this node's clock is known to have passed (restored from disk): never stamps or limits below it. */
  private volatile long floor;
  private long reserved = Long.MAX_VALUE;
  private long reserveTicks;
  private java.util.function.LongConsumer reservation = v -> { };

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
    reserveIfNear();
    return last;
  }

  /**
   * Starts this clock at or above {@code mark}, a bound on every version it gave out before a
   * restart: versions never go back on a node, even when its wall clock stepped back (NTP, a VM
   * restored) while it was down. The skew limit counts from it too, so the node still accepts the
   * versions it and its peers wrote just before.
   */
  public synchronized void restore(long mark) {
    floor = Math.max(floor, mark);
    last = Math.max(last, mark);
  }

  /**
   * Keeps a bound {@code aheadTicks} above every version given out, told to {@code persist} before
   * versions come within half of it: a crash then loses no version above the last bound persisted,
   * as long as persisting takes less than the clock's advance of aheadTicks / 2.
   */
  public synchronized void reserveAhead(long aheadTicks, java.util.function.LongConsumer persist) {
    this.reserveTicks = aheadTicks;
    this.reservation = persist;
    this.reserved = 0;
    reserveIfNear();
  }

  private void reserveIfNear() {
    long current = Math.max(last, Versions.fromMillis(physicalMillis.getAsLong()));
    if (reserveTicks > 0 && current > reserved - reserveTicks / 2) {
      reserved = current + reserveTicks;
      reservation.accept(reserved);
    }
  }

  /**
   * This node's wall clock in ms (with its configured offset), never below the restored mark: what
   * TTL expiry is measured against, so a value written before a restart does not live longer
   * because the clock stepped back.
   */
  public long wallMillis() {
    return Math.max(physicalMillis.getAsLong(), Versions.toMillis(floor));
  }

  public long maxSkewMillis() {
    return Versions.toMillis(maxSkewTicks);
  }

  /** The largest time this node accepts from anyone right now: wall clock plus the skew bound. */
  public long limit() {
    return Math.max(Versions.fromMillis(physicalMillis.getAsLong()), floor) + maxSkewTicks;
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
    reserveIfNear();
    return true;
  }

  public synchronized long peek() {
    return Math.max(last, Versions.fromMillis(physicalMillis.getAsLong()));
  }
}
