package kvstore.membership;

import java.util.ArrayDeque;

/**
 * The phi-accrual failure detector (Hayashibara et al., 2004) for one peer, as Cassandra and Akka
 * use it: instead of a fixed timeout, phi grows with the time since the peer's heartbeat last
 * advanced, measured against the intervals seen so far; SUSPECT and DOWN are thresholds on phi.
 *
 * <p>Intervals are modelled as normal with a floor on the deviation ({@code minStdDevMs}) and an
 * allowance ({@code acceptablePauseMs}) added to the mean, so a GC pause or a busy event loop on a
 * loaded machine does not make a healthy node flap. Plain Java; time is passed in.
 */
public final class PhiAccrualDetector {
  private final int window;
  private final double minStdDevMs;
  private final double acceptablePauseMs;
  private final ArrayDeque<Long> intervals = new ArrayDeque<>();
  private double sum;
  private double sumSquares;
  private long lastMs = -1;

  public PhiAccrualDetector(int window, long minStdDevMs, long acceptablePauseMs, long firstIntervalEstimateMs) {
    this.window = window;
    this.minStdDevMs = minStdDevMs;
    this.acceptablePauseMs = acceptablePauseMs;
    // seed as Akka does: one interval at the expected period, so phi is meaningful from the start
    add(firstIntervalEstimateMs);
  }

  /** The peer's heartbeat advanced at {@code nowMs}. */
  public void heartbeat(long nowMs) {
    if (lastMs >= 0) {
      add(Math.max(0, nowMs - lastMs));
    }
    lastMs = nowMs;
  }

  private void add(long interval) {
    intervals.addLast(interval);
    sum += interval;
    sumSquares += (double) interval * interval;
    if (intervals.size() > window) {
      long old = intervals.removeFirst();
      sum -= old;
      sumSquares -= (double) old * old;
    }
  }

  /** Suspicion level at {@code nowMs}; 0 before the first heartbeat. */
  public double phi(long nowMs) {
    if (lastMs < 0) {
      return 0;
    }
    int n = intervals.size();
    double mean = sum / n;
    double variance = Math.max(0, sumSquares / n - mean * mean);
    double std = Math.max(Math.sqrt(variance), minStdDevMs);
    return phi(nowMs - lastMs, mean + acceptablePauseMs, std);
  }

  /** -log10(P(interval > elapsed)) under N(mean, std), with the logistic approximation of the normal CDF. */
  static double phi(double elapsed, double mean, double std) {
    double y = (elapsed - mean) / std;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (elapsed > mean) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  public long lastHeartbeatMs() {
    return lastMs;
  }
}
