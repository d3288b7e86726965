package kvstore.storage;

import io.vertx.core.Future;
import kvstore.version.Versioned;

import java.util.List;

/**
 * Reads from the node's {@link RowCache}, else from a reader owned by the calling verticle; writes
 * through the event bus to the single writer. On the hot read path this saves two thread hand-offs (to a reader verticle and back),
 * which on a 2-core machine cost more than the SQLite lookup itself.
 */
public final class SplitStorage implements Storage {
  private final SqliteReader reader;
  private final Storage writer;
  private final RowCache cache;

  public SplitStorage(SqliteReader reader, Storage writer, RowCache cache) {
    this.reader = reader;
    this.writer = writer;
    this.cache = cache;
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    return writer.write(rows);
  }

  @Override
  public Future<Versioned> read(String key) {
    Versioned hit = cache.get(key);
    if (hit != null) {
      return Future.succeededFuture(hit);
    }
    long stamp = cache.stamp(key);
    return reader.read(key).andThen(ar -> {
      if (ar.succeeded()) {
        cache.fill(key, ar.result(), stamp);
      }
    });
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return reader.chunk(chunkId);
  }

  @Override
  public Future<List<Versioned>> scan(TokenScan scan) {
    return reader.scan(scan);
  }

  @Override
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    return reader.tokenRanges(ranges);
  }
}
