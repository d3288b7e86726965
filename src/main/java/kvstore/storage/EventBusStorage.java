package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import kvstore.version.Versioned;

import java.util.List;

/** {@link Storage} and {@link HintStore} as seen from any verticle: requests to the storage verticle over the event bus. */
public final class EventBusStorage implements Storage, HintStore {
  private final EventBus bus;
  private final DeliveryOptions options;

  public EventBusStorage(EventBus bus, long timeoutMs) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    return bus.<StorageMessages.StoredVersions>request(StorageMessages.WRITE, new StorageMessages.WriteRows(rows), options)
        .map(m -> m.body().versions());
  }

  @Override
  public Future<Versioned> read(String key) {
    return bus.<Versioned>request(StorageMessages.READ, key, options).map(Message::body);
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return bus.<StorageMessages.ChunkRows>request(StorageMessages.CHUNK, chunkId, options).map(m -> m.body().rows());
  }

  @Override
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    return bus.<StorageMessages.ChunkRows>request(StorageMessages.TOKEN_RANGES, new StorageMessages.TokenRanges(ranges), options)
        .map(m -> m.body().rows());
  }

  @Override
  public Future<List<Versioned>> scan(TokenScan scan) {
    return bus.<StorageMessages.ChunkRows>request(StorageMessages.SCAN, scan, options).map(m -> m.body().rows());
  }

  /** Deletes the rows of these keys for good (cleanup); answers how many. */
  public Future<Integer> forget(List<String> keys) {
    return bus.<Integer>request(StorageMessages.FORGET, new StorageMessages.ForgetKeys(keys), options).map(Message::body);
  }

  @Override
  public Future<Integer> addHints(List<Hint> hints) {
    return bus.<Integer>request(StorageMessages.HINTS_ADD, new StorageMessages.AddHints(hints), options).map(Message::body);
  }

  @Override
  public Future<List<Hint>> hintsFor(String target, int limit) {
    return bus.<StorageMessages.HintBatch>request(StorageMessages.HINTS_READ, new StorageMessages.HintQuery(target, limit), options)
        .map(m -> m.body().hints());
  }

  @Override
  public Future<Void> dropHints(String target, List<Long> ids) {
    return bus.request(StorageMessages.HINTS_DROP, new StorageMessages.DropHints(target, ids), options).mapEmpty();
  }

  @Override
  public Future<java.util.Map<String, Long>> hintCounts() {
    return bus.<StorageMessages.HintCounts>request(StorageMessages.HINT_COUNTS, null, options).map(m -> m.body().counts());
  }

  public Future<Long> count() {
    return bus.<Long>request(StorageMessages.COUNT, null, options).map(Message::body);
  }
}
