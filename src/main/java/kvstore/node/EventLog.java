package kvstore.node;

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

  public void info(String msg) {
    LOG.info(prefix + msg);
  }

  public void warn(String msg) {
    LOG.warning(prefix + msg);
  }

  public void warn(String msg, Throwable err) {
    LOG.log(Level.WARNING, prefix + msg + ": " + err, err);
  }

  public void error(String msg, Throwable err) {
    LOG.log(Level.SEVERE, prefix + msg + ": " + err, err);
  }
}
