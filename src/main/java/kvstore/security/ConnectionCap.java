package kvstore.security;

import io.vertx.core.http.HttpConnection;
import kvstore.metrics.NodeMetrics;
import kvstore.node.EventLog;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} open connections on one listener, shared by every verticle instance serving
 * it: one more is closed as soon as it is accepted, so idle or slow connections (slowloris) cannot
 * take all of the node's file descriptors and memory. The idle timeout closes the ones inside the cap.
 */
public final class ConnectionCap {
  private final String listener;
  private final int max;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionCap(String listener, int max, NodeMetrics metrics, EventLog log) {
    this.listener = listener;
    this.max = max;
    this.metrics = metrics;
    this.log = log;
  }

  /** Counts the connection in, or closes it when the listener is full; false when it was closed. */
  public boolean admit(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      metrics.refused("connection_cap");
      log.warnLimited("cap-" + listener, "closed a connection from " + connection.remoteAddress() + ": " + listener
          + " already has its maximum of " + max + " connections");
      connection.close();
      return false;
    }
    connection.closeHandler(v -> open.decrementAndGet());
    return true;
  }

  public int open() {
    return open.get();
  }
}
