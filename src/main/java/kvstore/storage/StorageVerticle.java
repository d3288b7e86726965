package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import kvstore.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Owns the node's {@link SqliteStorage} and serves it on the event bus. */
public final class StorageVerticle extends VerticleBase {
  private final Path dataDir;
  private final String synchronous;
  private final int batchMax;
  private SqliteStorage storage;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public StorageVerticle(Path dataDir, String synchronous, int batchMax) {
    this.dataDir = dataDir;
    this.synchronous = synchronous;
    this.batchMax = batchMax;
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> {
      try {
        Files.createDirectories(dataDir);
        Path probe = Files.createTempFile(dataDir, ".probe", ".tmp");
        Files.delete(probe);
      } catch (IOException | SecurityException e) {
        throw new ConfigException("dataDir '" + dataDir + "' is not a writable directory: " + e);
      }
      return null;
    }).compose(v -> SqliteStorage.open(vertx, dataDir, synchronous, batchMax)).map(s -> {
      storage = s;
      consumers.add(vertx.eventBus().<StorageMessages.WriteRows>consumer(StorageMessages.WRITE,
          m -> reply(m, storage.write(m.body().rows()).map(StorageMessages.StoredVersions::new))));
      consumers.add(vertx.eventBus().<String>consumer(StorageMessages.READ, m -> reply(m, storage.read(m.body()))));
      consumers.add(vertx.eventBus().<Integer>consumer(StorageMessages.CHUNK,
          m -> reply(m, storage.chunk(m.body()).map(StorageMessages.ChunkRows::new))));
      consumers.add(vertx.eventBus().consumer(StorageMessages.COUNT, m -> reply(m, storage.count())));
      return s;
    });
  }

  private static <T> void reply(Message<?> m, Future<T> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result());
      } else {
        m.fail(500, String.valueOf(ar.cause()));
      }
    });
  }

  public SqliteStorage storage() {
    return storage;
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> unregs = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      unregs.add(c.unregister());
    }
    return Future.join(unregs).compose(v -> storage == null ? Future.succeededFuture() : storage.close());
  }
}
