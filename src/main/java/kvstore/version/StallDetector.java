package kvstore.version;

/**
 * Tells whether this process has just been stalled (SIGSTOP, a VM or container freeze, a long GC
 * pause, starvation), from the ticks of a thread that should run every few milliseconds.
 *
 * <p>Why it matters for versions: a write that arrives without a client timestamp is stamped when
 * the node reads it, and a gRPC deadline is relative, so the node cannot see how long the request
 * waited in its socket. A request that waited through a stall may be one its client already gave
 * up on, and stamping it now would put it above writes acknowledged after that client gave up. So
 * for {@code windowMs} after a stall at least that long, and while the ticks are late by that much
 * (the stall is still being noticed), such writes are refused instead of stamped.
 */
public final class StallDetector {
  private final long windowMs;
  private long lastTick;
  private long stallEndedAt = Long.MIN_VALUE / 2;
  private long stallMs;

  /** {@code windowMs} 0 turns the detector off. */
  public StallDetector(long windowMs, long nowMs) {
    this.windowMs = windowMs;
    this.lastTick = nowMs;
  }

  /** Called by the ticking thread; answers the length of the stall this tick ends, 0 when none. */
  public synchronized long tick(long nowMs) {
    long gap = nowMs - lastTick;
    lastTick = nowMs;
    if (windowMs > 0 && gap >= windowMs) {
      stallEndedAt = nowMs;
      stallMs = gap;
      return gap;
    }
    return 0;
  }

  /**
   * How long the stall was that makes a write read now suspect: the ticks' current lateness when
   * they are late by windowMs or more, else the last stall if it ended less than windowMs ago;
   * 0 when a write read now can be stamped.
   */
  public synchronized long suspectStallMs(long nowMs) {
    if (windowMs == 0) {
      return 0;
    }
    long late = nowMs - lastTick;
    if (late >= windowMs) {
      return late;
    }
    return nowMs - stallEndedAt < windowMs ? stallMs : 0;
  }
}
