package kvstore.version;

/**
 * Versions are "micro-ticks": milliseconds since the epoch times 1000 plus a logical counter.
 * The client API speaks milliseconds ({@code modified_at}); keeping a 1000-step logical space
 * under each millisecond lets the hybrid logical clock order thousands of writes per millisecond
 * without running ahead of wall-clock time, so client-stamped and node-stamped writes stay comparable.
 */
public final class Versions {
  public static final long TICKS_PER_MILLI = 1000;

  private Versions() {
  }

  public static long fromMillis(long millis) {
    return Math.multiplyExact(millis, TICKS_PER_MILLI);
  }

  public static long toMillis(long version) {
    return Math.floorDiv(version, TICKS_PER_MILLI);
  }

  /** Largest millisecond value a client may send without overflowing a version. */
  public static final long MAX_MILLIS = Long.MAX_VALUE / TICKS_PER_MILLI;
}
