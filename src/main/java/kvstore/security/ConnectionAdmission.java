package kvstore.security;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Who gets a connection on one listener, decided as the socket is accepted: at most {@code max}
 * open, at most {@code perSource} from one remote address, at most {@code newPerSecond} new ones a
 * second from one address (a burst of one second's worth). A connection is <em>unproven</em> until
 * it has shown it is what the listener serves (a complete first request; on a secure peer port, a
 * TLS handshake with a cluster certificate), and an unproven one never keeps out one that may
 * prove itself: at the cap, a newcomer closes the oldest unproven connection. With none left, it
 * closes the oldest connection of the address holding the most, as long as that address holds more
 * than the newcomer's: so one address, however many connections it opens, cannot take the last
 * room from a health check, the operator or a member from another address. Plain Java with time
 * passed in; thread-safe (accepts happen on the acceptor thread, closes on the connections' loops).
 *
 * @param <T> a connection handle
 */
public final class ConnectionAdmission<T> {
  /** The outcome for a newcomer: admitted, perhaps closing {@code evict} for it; or refused because of {@code reason}. */
  public record Decision<T>(boolean admitted, T evict, String reason, String metric) {
    static <T> Decision<T> admit(T evict, String metric) {
      return new Decision<>(true, evict, null, metric);
    }

    static <T> Decision<T> refuse(String reason, String metric) {
      return new Decision<>(false, null, reason, metric);
    }
  }

  private static final int MAX_BUCKETS = 4096;

  private final int max;
  private final int perSource;
  private final int newPerSecond;
  private final Map<String, ArrayDeque<T>> bySource = new HashMap<>();
  private final Map<T, String> sourceOf = new HashMap<>();
  private final LinkedHashSet<T> unproven = new LinkedHashSet<>();
  /** Per address: tokens left and when they were counted, in ns. */
  private final Map<String, double[]> buckets = new LinkedHashMap<>();

  public ConnectionAdmission(int max, int perSource, int newPerSecond) {
    this.max = max;
    this.perSource = perSource;
    this.newPerSecond = newPerSecond;
  }

  public synchronized Decision<T> arrive(T conn, String source, long nowNanos) {
    if (!takeToken(source, nowNanos)) {
      return Decision.refuse(source + " opened more than " + newPerSecond + " connections in the last second (maxNewConnectionsPerSecond)",
          "per_source_rate");
    }
    ArrayDeque<T> mine = bySource.get(source);
    int held = mine == null ? 0 : mine.size();
    if (held >= perSource) {
      return Decision.refuse(source + " already holds " + held + " connections (maxConnectionsPerSource)", "per_source_cap");
    }
    T evict = null;
    String metric = null;
    if (sourceOf.size() >= max) {
      evict = oldestUnproven();
      metric = "evicted_unproven";
      if (evict == null) {
        evict = oldestOfLargest(held);
        metric = "evicted_largest_source";
      }
      if (evict == null) {
        return Decision.refuse("the listener already has its maximum of " + max + " connections", "connection_cap");
      }
      leave(evict);
    }
    bySource.computeIfAbsent(source, s -> new ArrayDeque<>()).add(conn);
    sourceOf.put(conn, source);
    unproven.add(conn);
    return Decision.admit(evict, metric);
  }

  /** The connection showed it is what the listener serves: it is no longer the first to go. */
  public synchronized void prove(T conn) {
    unproven.remove(conn);
  }

  public synchronized boolean proven(T conn) {
    return sourceOf.containsKey(conn) && !unproven.contains(conn);
  }

  public synchronized void leave(T conn) {
    String source = sourceOf.remove(conn);
    unproven.remove(conn);
    if (source == null) {
      return;
    }
    ArrayDeque<T> list = bySource.get(source);
    if (list != null) {
      list.remove(conn);
      if (list.isEmpty()) {
        bySource.remove(source);
      }
    }
  }

  public synchronized int open() {
    return sourceOf.size();
  }

  public synchronized int heldBy(String source) {
    ArrayDeque<T> list = bySource.get(source);
    return list == null ? 0 : list.size();
  }

  private T oldestUnproven() {
    Iterator<T> it = unproven.iterator();
    return it.hasNext() ? it.next() : null;
  }

  private T oldestOfLargest(int newcomerHolds) {
    ArrayDeque<T> largest = null;
    for (ArrayDeque<T> list : bySource.values()) {
      if (largest == null || list.size() > largest.size()) {
        largest = list;
      }
    }
    return largest != null && largest.size() > newcomerHolds + 1 ? largest.peekFirst() : null;
  }

  private boolean takeToken(String source, long nowNanos) {
    double[] b = buckets.get(source);
    if (b == null) {
      if (buckets.size() >= MAX_BUCKETS) {
        forgetFullBuckets(nowNanos);
      }
      b = new double[] {newPerSecond, nowNanos};
      buckets.put(source, b);
    }
    b[0] = Math.min(newPerSecond, b[0] + (nowNanos - b[1]) / 1e9 * newPerSecond);
    b[1] = nowNanos;
    if (b[0] < 1) {
      return false;
    }
    b[0] -= 1;
    return true;
  }

  /** Addresses whose bucket has refilled are as good as new: dropping them bounds the map under a spray of sources. */
  private void forgetFullBuckets(long nowNanos) {
    buckets.values().removeIf(b -> b[0] + (nowNanos - b[1]) / 1e9 * newPerSecond >= newPerSecond);
    Iterator<String> it = buckets.keySet().iterator();
    while (buckets.size() >= MAX_BUCKETS && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
