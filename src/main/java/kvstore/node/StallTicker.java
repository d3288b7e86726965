package kvstore.node;

import kvstore.log.EventLog;
import kvstore.version.StallDetector;

/**
 * The thread that feeds a {@link StallDetector}: a daemon that wakes every few milliseconds, so a
 * gap between two of its ticks is time the whole process did not run. Not an event loop, so a
 * busy loop does not look like a stall and a stall is seen even when every loop is busy.
 */
final class StallTicker {
  private static final long TICK_MS = 10;
  private final Thread thread;
  private volatile boolean running = true;

  StallTicker(StallDetector detector, String nodeId, int windowMs, EventLog log) {
    thread = new Thread(() -> {
      while (running) {
        long stall = detector.tick(System.currentTimeMillis());
        if (stall > 0) {
          log.warn("node " + nodeId + " was stalled for " + stall + " ms (paused, frozen, starved or in a long GC pause);"
              + " writes without a client timestamp read in the next " + windowMs + " ms are refused");
        }
        try {
          Thread.sleep(TICK_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "kv-stall-ticker-" + nodeId);
    thread.setDaemon(true);
  }

  void start() {
    if (thread.getState() == Thread.State.NEW) {
      thread.start();
    }
  }

  void stop() {
    running = false;
    thread.interrupt();
  }
}
