package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
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
    reader = new SqliteReader(vertx, Path.of(config.dataDir()), config.storageSync(), 1);
    vertx.eventBus().<String>consumer(StorageMessages.READ, m -> reply(m, reader.read(m.body())));
    vertx.eventBus().<Integer>consumer(StorageMessages.CHUNK,
        m -> reply(m, reader.chunk(m.body()).map(StorageMessages.ChunkRows::new)));
    vertx.eventBus().<StorageMessages.TokenRanges>consumer(StorageMessages.TOKEN_RANGES,
        m -> reply(m, reader.tokenRanges(m.body().ranges()).map(StorageMessages.ChunkRows::new)));
    vertx.eventBus().<TokenScan>consumer(StorageMessages.SCAN,
        m -> reply(m, reader.scan(m.body()).map(StorageMessages.ChunkRows::new)));
    vertx.eventBus().consumer(StorageMessages.COUNT, m -> reply(m, reader.count()));
    vertx.eventBus().<StorageMessages.HintQuery>consumer(StorageMessages.HINTS_READ,
        m -> reply(m, reader.hintsFor(m.body().target(), m.body().limit()).map(StorageMessages.HintBatch::new)));
    return Future.succeededFuture();
  }

  static <T> void reply(Message<?> m, Future<T> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result());
      } else {
        m.fail(500, String.valueOf(ar.cause()));
      }
    });
  }

  @Override
  public Future<?> stop() {
    return reader == null ? Future.succeededFuture() : reader.close();
  }
}
