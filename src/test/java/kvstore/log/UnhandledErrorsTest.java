package kvstore.log;

import kvstore.cli.LogFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnhandledErrorsTest {
  private final List<LogRecord> records = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      records.add(r);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private final List<Logger> watched = new ArrayList<>();

  private void watch(Logger logger) {
    logger.addHandler(capture);
    watched.add(logger);
  }

  @AfterEach
  void unwatch() {
    watched.forEach(l -> l.removeHandler(capture));
  }

  /** The exception Vert.x 5.0.7 throws when a reply meets a stream its client reset, with its real top frames. */
  private static NullPointerException replyToResetStream() {
    NullPointerException npe = new NullPointerException("Cannot invoke \"io.vertx.core.Promise.fail(java.lang.Throwable)\" because \"this.val$promise\" is null");
    npe.setStackTrace(new StackTraceElement[] {
        new StackTraceElement("io.vertx.core.http.impl.VertxHttp2Stream$3", "cancel", "VertxHttp2Stream.java", 243),
        new StackTraceElement("io.vertx.core.http.impl.VertxHttp2Stream$2", "handleDispose", "VertxHttp2Stream.java", 100)});
    return npe;
  }

  @Test
  void recognizesOnlyTheReplyToAResetStream() {
    assertTrue(UnhandledErrors.isReplyToResetStream(replyToResetStream()));
    assertFalse(UnhandledErrors.isReplyToResetStream(null));
    assertFalse(UnhandledErrors.isReplyToResetStream(new NullPointerException("ours")), "an NPE of our own code is a bug to report");
    IllegalStateException other = new IllegalStateException("x");
    other.setStackTrace(replyToResetStream().getStackTrace());
    assertFalse(UnhandledErrors.isReplyToResetStream(other));
    // what the generated gRPC service throws when it answers a call its client cancelled
    assertTrue(UnhandledErrors.isReplyToResetStream(new IllegalStateException("The stream is failed: CANCELLED")));
  }

  @Test
  void otherUnhandledErrorsAreLoggedAsErrorsWithTheNodeAndTheResetStreamOnlyAsATrace() {
    watch(Logger.getLogger("kvstore"));
    Level before = Logger.getLogger("kvstore").getLevel();
    Logger.getLogger("kvstore").setLevel(Level.FINE);
    try {
      new UnhandledErrors(new EventLog("n1", true)).handle(replyToResetStream());
      new UnhandledErrors(new EventLog("n1", true)).handle(new IllegalStateException("boom"));
    } finally {
      Logger.getLogger("kvstore").setLevel(before);
    }
    assertEquals(2, records.size());
    assertEquals(Level.FINE, records.get(0).getLevel());
    assertEquals("[n1] [GRPC] reply dropped: the client reset its stream first", records.get(0).getMessage());
    assertEquals(Level.SEVERE, records.get(1).getLevel());
    assertTrue(records.get(1).getMessage().startsWith("[n1] unhandled exception: java.lang.IllegalStateException: boom"));
  }

  @Test
  void nettysOwnReportOfTheSameExceptionIsFilteredAndItsOtherErrorsAreNot() {
    // what LogFormat.install() sets up, without replacing the test JVM's log handlers
    LogFormat.dropNettysReportOfResetStreamReplies();
    Logger netty = Logger.getLogger("io.netty.handler.codec.http2.DefaultHttp2Connection");
    watch(netty);
    netty.log(Level.SEVERE, "Caught Throwable from listener onStreamClosed.", replyToResetStream());
    netty.log(Level.SEVERE, "Caught Throwable from listener onStreamClosed.", new IllegalStateException("real"));
    assertEquals(1, records.size());
    assertEquals("real", records.get(0).getThrown().getMessage());
  }
}
