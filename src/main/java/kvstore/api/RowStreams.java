package kvstore.api;

import io.vertx.core.streams.WriteStream;

import java.util.Iterator;
import java.util.function.Function;

/** Writes a list to a gRPC response stream, pausing while the transport's queue is full. */
final class RowStreams {
  private RowStreams() {
  }

  static <T, M> void writeAll(Iterator<T> rows, Function<T, M> toMessage, WriteStream<M> out) {
    while (rows.hasNext()) {
      if (out.writeQueueFull()) {
        out.drainHandler(v -> writeAll(rows, toMessage, out));
        return;
      }
      out.write(toMessage.apply(rows.next()));
    }
    out.end();
  }
}
