package kvstore.security;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request bytes one node holds at a time, over all connections and listeners: bytes of a
 * request count from their arrival until the request is answered or dropped. A request that would
 * go past the budget first takes the room of the largest unfinished request (one whose client has
 * not sent all of it; a client that starts large messages and never finishes them holds memory
 * for nothing), as long as that one is larger; else it is refused. So what unfinished requests can
 * pin is bounded, and a client sending whole requests keeps being served while another hoards.
 * Plain Java, thread-safe: every connection's event loop takes and gives.
 */
public final class ByteBudget {
  /** An unfinished request that may be dropped to make room: it says how much it holds; {@link #drop} runs on its own loop. */
  public interface Holder {
    long bytes();

    void drop(String why);
  }

  private final long total;
  private final long perConnection;
  private final AtomicLong used = new AtomicLong();
  private final Set<Holder> unfinished = ConcurrentHashMap.newKeySet();

  public ByteBudget(long total, long perConnection) {
    this.total = total;
    this.perConnection = perConnection;
  }

  public long total() {
    return total;
  }

  public long perConnection() {
    return perConnection;
  }

  public long used() {
    return used.get();
  }

  /**
   * Takes {@code n} bytes for {@code taker}: true when they fit, or when the largest unfinished
   * request (not {@code taker}) holds at least {@code n} and has been told to drop them.
   */
  public boolean take(long n, Holder taker) {
    if (tryTake(n)) {
      return true;
    }
    Holder largest = null;
    for (Holder h : unfinished) {
      if (h != taker && (largest == null || h.bytes() > largest.bytes())) {
        largest = h;
      }
    }
    if (largest == null || largest.bytes() < n || !unfinished.remove(largest)) {
      return false;
    }
    largest.drop("the node's budget for request bytes in flight (maxRequestBytesInFlight = " + total
        + ") was needed by other requests and this one was the largest unfinished");
    // the dropped request gives its bytes back on its own loop; until then the node is over by at most n
    used.addAndGet(n);
    return true;
  }

  private boolean tryTake(long n) {
    while (true) {
      long now = used.get();
      if (now + n > total) {
        return false;
      }
      if (used.compareAndSet(now, now + n)) {
        return true;
      }
    }
  }

  public void give(long n) {
    used.addAndGet(-n);
  }

  public void unfinished(Holder h) {
    unfinished.add(h);
  }

  public void finished(Holder h) {
    unfinished.remove(h);
  }
}
