package kvstore.cli;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per event: time, level, message (and the stack trace, if any, below it). */
public final class LogFormat extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringBuilder sb = new StringBuilder(128).append(Instant.ofEpochMilli(r.getMillis())).append(' ')
        .append(r.getLevel().getName()).append(' ').append(formatMessage(r)).append('\n');
    if (r.getThrown() != null) {
      java.io.StringWriter w = new java.io.StringWriter();
      r.getThrown().printStackTrace(new java.io.PrintWriter(w));
      sb.append(w);
    }
    return sb.toString();
  }

  public static void install() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    // vertx-micrometer 5.0.7 registers its event-bus handler gauge twice; Micrometer ignores the
    // second registration (the metric is exported once) but warns at every start
    Logger.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(java.util.logging.Level.SEVERE);
    ConsoleHandler h = new ConsoleHandler();
    h.setFormatter(new LogFormat());
    root.addHandler(h);
  }
}
