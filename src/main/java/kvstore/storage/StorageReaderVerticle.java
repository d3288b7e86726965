package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import kvstore.bus.LocalCodec;
import kvstore.config.NodeConfig;

import java.nio.file.Path;

/**
 * Serves reads on the event bus from its own SQLite connection. Deployed in several instances: the
 * event bus hands requests round-robin to them, and since each has its own context, their blocking
 * JDBC calls run in parallel (one context runs its blocking calls one at a time).
 */
public final class StorageReaderVerticle extends VerticleBase {
  private final NodeConfig config;
  private SqliteReader reader;

  public StorageReaderVerticle(NodeConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    reader = new SqliteReader(vertx, SqliteFile.of(config), 1);
    vertx.eventBus().<StorageRequests.ToReader<?>>consumer(StorageRequests.READER, m -> reply(m, m.body().run(reader)));
    return Future.succeededFuture();
  }

  private static final DeliveryOptions REPLY = LocalCodec.delivery();

  static <T> void reply(Message<?> m, Future<T> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result(), REPLY);
      } else {
        m.fail(ar.cause() instanceof DiskFull ? DiskFull.FAILURE_CODE : 500,
            ar.cause() instanceof DiskFull ? ar.cause().getMessage() : String.valueOf(ar.cause()));
      }
    });
  }

  @Override
  public Future<?> stop() {
    return reader == null ? Future.succeededFuture() : reader.close();
  }
}
