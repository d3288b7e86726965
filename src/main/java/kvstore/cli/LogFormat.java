package kvstore.cli;

import kvstore.log.UnhandledErrors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event: time, level, message (and the stack trace, if any, below it). Levels print
 * as ERROR, WARN, INFO and DEBUG, the names the {@code logLevel} config key takes, not JUL's.
 */
public final class LogFormat extends Formatter {
  private static final ConsoleHandler HANDLER = new ConsoleHandler();
  // JUL holds loggers weakly: a level set on one nobody references is lost at the next GC
  private static final Logger OURS = Logger.getLogger("kvstore");
  private static final Logger METER_REGISTRY = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");
  private static final Logger NETTY_HTTP2_STREAMS = Logger.getLogger("io.netty.handler.codec.http2.DefaultHttp2Connection");

  @Override
  public String format(LogRecord r) {
    StringBuilder sb = new StringBuilder(128).append(Instant.ofEpochMilli(r.getMillis())).append(' ')
        .append(name(r.getLevel())).append(' ').append(formatMessage(r)).append('\n');
    if (r.getThrown() != null) {
      StringWriter w = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(w));
      sb.append(w);
    }
    return sb.toString();
  }

  static String name(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (v >= Level.WARNING.intValue()) {
      return "WARN";
    }
    if (v >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }

  /** The JUL level that prints {@code name} (ERROR, WARN, INFO or DEBUG) and everything more severe. */
  static Level level(String name) {
    return switch (name) {
      case "ERROR" -> Level.SEVERE;
      case "WARN" -> Level.WARNING;
      case "INFO" -> Level.INFO;
      case "DEBUG" -> Level.FINE;
      default -> throw new IllegalArgumentException("unknown log level " + name);
    };
  }

  public static void install() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    // vertx-micrometer 5.0.7 registers its event-bus handler gauge twice; Micrometer ignores the
    // second registration (the metric is exported once) but warns at every start
    METER_REGISTRY.setLevel(Level.SEVERE);
    dropNettysReportOfResetStreamReplies();
    HANDLER.setFormatter(new LogFormat());
    root.addHandler(HANDLER);
    setLevel("INFO");
  }

  /**
   * Vert.x 5.0.7's NullPointerException for a reply to a stream its client reset (see
   * {@link UnhandledErrors}) also reaches Netty's stream listener, which logs it as an ERROR of its own.
   */
  public static void dropNettysReportOfResetStreamReplies() {
    NETTY_HTTP2_STREAMS.setFilter(r -> !UnhandledErrors.isReplyToResetStream(r.getThrown()));
  }

  /**
   * Prints lines of {@code name} and more severe. Only our own loggers go down to DEBUG: Netty's
   * and Vert.x's FINE output is internal chatter, not events of this node.
   */
  public static void setLevel(String name) {
    Level level = level(name);
    Level root = level.intValue() < Level.INFO.intValue() ? Level.INFO : level;
    Logger.getLogger("").setLevel(root);
    OURS.setLevel(level);
    HANDLER.setLevel(level);
  }
}
