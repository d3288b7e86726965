package kvstore.log;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One line per event, prefixed with the node id (several nodes share a JVM in tests). Trace lines
 * ({@code [WRITE]}, {@code [READ]}, ...) are built only when {@code debug} is on, so a node with
 * debug off pays nothing per request. They are logged at DEBUG (JUL's FINE), so the process's
 * log level must admit DEBUG for them to print; {@code kvstore.cli.LogFormat} sets it from the config.
 */
public final class EventLog {
  private static final Logger LOG = Logger.getLogger("kvstore");
  private final String prefix;
  private final boolean debug;
  private static final long LIMITED_EVERY_MS = 10_000;
  private final java.util.concurrent.ConcurrentHashMap<String, long[]> limited = new java.util.concurrent.ConcurrentHashMap<>();

  public EventLog(String nodeId, boolean debug) {
    this.prefix = "[" + nodeId + "] ";
    this.debug = debug;
  }

  public boolean debug() {
    return debug;
  }

  public void trace(Supplier<String> line) {
    if (debug) {
      LOG.fine(prefix + line.get());
    }
  }

  /** Where the console's event feed takes lines from; null when no feed is wired. */
  private volatile java.util.function.Consumer<String> feed;
  private volatile boolean feedOpen;

  /** Every INFO and WARN line goes to {@code sink} too, and {@link #event} lines while {@link #openFeed(boolean) open}. */
  public void feedTo(java.util.function.Consumer<String> sink) {
    this.feed = sink;
  }

  /** Whether someone reads the feed now: only then are {@link #event} lines built with debug off. */
  public void openFeed(boolean open) {
    this.feedOpen = open;
  }

  /**
   * A trace line about the cluster rather than one request ([GOSSIP], [ANTI-ENTROPY], [HINT],
   * [READ-REPAIR]): logged like {@link #trace}, and shown in the console's event feed while
   * someone watches it, debug or not.
   */
  public void event(Supplier<String> line) {
    java.util.function.Consumer<String> f = feed;
    boolean toFeed = feedOpen && f != null;
    if (!debug && !toFeed) {
      return;
    }
    String text = line.get();
    if (debug) {
      LOG.fine(prefix + text);
    }
    if (toFeed) {
      f.accept(text);
    }
  }

  private void toFeed(String text) {
    java.util.function.Consumer<String> f = feed;
    if (f != null) {
      f.accept(text);
    }
  }

  public void info(String msg) {
    LOG.info(prefix + msg);
    toFeed(msg);
  }

  public void warn(String msg) {
    LOG.warning(prefix + msg);
    toFeed(msg);
  }

  /**
   * A WARN of one kind at most once per {@value #LIMITED_EVERY_MS} ms, saying how many were held back:
   * an attacker repeating a refused request must not be able to fill the disk with our log.
   */
  public void warnLimited(String kind, String msg) {
    long now = System.currentTimeMillis();
    long[] state = limited.computeIfAbsent(kind, k -> new long[] {0, 0});
    synchronized (state) {
      if (now - state[0] < LIMITED_EVERY_MS) {
        state[1]++;
        return;
      }
      long held = state[1];
      state[0] = now;
      state[1] = 0;
      String line = msg + (held > 0 ? " (" + held + " more like it in the last " + LIMITED_EVERY_MS / 1000 + " s)" : "");
      LOG.warning(prefix + line);
      toFeed(line);
    }
  }

  /** Text from the network as it may appear in a log line: control characters escaped, at most 200 chars, so no one forges lines. */
  public static String quote(String untrusted) {
    if (untrusted == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(untrusted.length(), 200) + 2).append('"');
    for (int i = 0; i < untrusted.length() && i < 200; i++) {
      char c = untrusted.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c >= 0x80 && Character.isISOControl(c)) || c == 0x2028 || c == 0x2029) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (untrusted.length() > 200) {
      b.append("...");
    }
    return b.append('"').toString();
  }

  public void warn(String msg, Throwable err) {
    LOG.log(Level.WARNING, prefix + msg + ": " + err, err);
    toFeed(msg);
  }

  /** An ERROR an operator must act on, without a stack trace (the line says what and where). */
  public void error(String msg) {
    LOG.severe(prefix + msg);
    toFeed(msg);
  }

  public void error(String msg, Throwable err) {
    LOG.log(Level.SEVERE, prefix + msg + ": " + err, err);
  }
}
