package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import kvstore.bus.LocalCodec;
import kvstore.version.Versioned;

import java.util.List;
import java.util.Map;

/** {@link Storage} and {@link HintStore} as seen from any verticle: {@link StorageRequests} to the storage verticles over the event bus. */
public final class EventBusStorage implements Storage, HintStore {
  private final EventBus bus;
  private final DeliveryOptions options;

  public EventBusStorage(EventBus bus, long timeoutMs) {
    this.bus = bus;
    this.options = LocalCodec.delivery().setSendTimeout(timeoutMs);
  }

  /** Sends a request to the single writer. */
  public <R> Future<R> ask(StorageRequests.ToWriter<R> request) {
    return bus.<R>request(StorageRequests.WRITER, request, options).map(Message::body);
  }

  /** Sends a request to one of the readers. */
  public <R> Future<R> ask(StorageRequests.ToReader<R> request) {
    return bus.<R>request(StorageRequests.READER, request, options).map(Message::body);
  }

  @Override
  public Future<long[]> write(List<Versioned> rows) {
    return ask(new StorageRequests.Write(rows));
  }

  @Override
  public Future<Versioned> read(String key) {
    return ask(new StorageRequests.Read(key));
  }

  @Override
  public Future<List<Versioned>> chunk(int chunkId) {
    return ask(new StorageRequests.Chunk(chunkId));
  }

  @Override
  public Future<List<Versioned>> tokenRanges(List<long[]> ranges) {
    return ask(new StorageRequests.TokenRanges(ranges));
  }

  @Override
  public Future<List<Versioned>> scan(TokenScan scan) {
    return ask(new StorageRequests.Scan(scan));
  }

  /** Acceptor steps of compare-and-set on this node's replica, committed together; one answer per step. */
  public Future<List<kvstore.paxos.PaxosAnswer>> paxos(List<kvstore.paxos.PaxosCall> calls) {
    return ask(new StorageRequests.Paxos(calls));
  }

  @Override
  public Future<Integer> addHints(List<Hint> hints) {
    return ask(new StorageRequests.AddHints(hints));
  }

  @Override
  public Future<List<Hint>> hintsFor(String target, int limit) {
    return ask(new StorageRequests.HintsFor(target, limit));
  }

  @Override
  public Future<Void> dropHints(String target, List<Long> ids) {
    return ask(new StorageRequests.DropHints(target, ids));
  }

  @Override
  public Future<Map<String, Long>> hintCounts() {
    return ask(new StorageRequests.HintCounts());
  }
}
