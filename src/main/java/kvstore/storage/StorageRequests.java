package kvstore.storage;

import io.vertx.core.Future;
import kvstore.version.Versioned;

import java.util.List;
import java.util.Map;

/**
 * The requests the storage verticles answer, carried by reference over the event bus
 * ({@link EventBusStorage#ask}). A new storage operation is one record here implementing
 * {@link ToWriter} (answered by the single writer, in order with every other change) or
 * {@link ToReader} (answered by any reader verticle, beside the writer); the verticles, the event
 * bus and its codecs need nothing new.
 */
public final class StorageRequests {
  /** Event-bus address of the single writer ({@link StorageVerticle}). */
  public static final String WRITER = "kv.storage.writer";
  /** Event-bus address shared by the reader verticles ({@link StorageReaderVerticle}); the bus spreads requests over them. */
  public static final String READER = "kv.storage.reader";

  private StorageRequests() {
  }

  /** A request the writer runs on its context. */
  public interface ToWriter<R> {
    Future<R> run(SqliteStorage store);
  }

  /** A request a reader runs on its own connection. */
  public interface ToReader<R> {
    Future<R> run(SqliteReader reader);
  }

  /** See {@link Storage#write}. */
  public record Write(List<Versioned> rows) implements ToWriter<long[]> {
    public Future<long[]> run(SqliteStorage store) {
      return store.write(rows);
    }
  }

  /** Deletes the rows of these keys for good (cleanup); answers how many. */
  public record Forget(List<String> keys) implements ToWriter<Integer> {
    public Future<Integer> run(SqliteStorage store) {
      return store.forget(keys);
    }
  }

  /** Acceptor steps of compare-and-set (see {@link SqliteStorage#paxos}). */
  public record Paxos(List<kvstore.paxos.PaxosCall> calls) implements ToWriter<List<kvstore.paxos.PaxosAnswer>> {
    public Future<List<kvstore.paxos.PaxosAnswer>> run(SqliteStorage store) {
      return store.paxos(calls);
    }
  }

  /** See {@link HintStore#addHints}. */
  public record AddHints(List<Hint> hints) implements ToWriter<Integer> {
    public Future<Integer> run(SqliteStorage store) {
      return store.addHints(hints);
    }
  }

  /** See {@link HintStore#dropHints}. */
  public record DropHints(String target, List<Long> ids) implements ToWriter<Void> {
    public Future<Void> run(SqliteStorage store) {
      return store.dropHints(target, ids);
    }
  }

  /** See {@link HintStore#hintCounts}; the writer keeps them exact in memory. */
  public record HintCounts() implements ToWriter<Map<String, Long>> {
    public Future<Map<String, Long>> run(SqliteStorage store) {
      return Future.succeededFuture(store.hintCounts());
    }
  }

  /** See {@link Storage#read}. */
  public record Read(String key) implements ToReader<Versioned> {
    public Future<Versioned> run(SqliteReader reader) {
      return reader.read(key);
    }
  }

  /** See {@link Storage#chunk}. */
  public record Chunk(int chunkId) implements ToReader<List<Versioned>> {
    public Future<List<Versioned>> run(SqliteReader reader) {
      return reader.chunk(chunkId);
    }
  }

  /** See {@link Storage#tokenRanges}. */
  public record TokenRanges(List<long[]> ranges) implements ToReader<List<Versioned>> {
    public Future<List<Versioned>> run(SqliteReader reader) {
      return reader.tokenRanges(ranges);
    }
  }

  /** See {@link Storage#scan}. */
  public record Scan(TokenScan scan) implements ToReader<List<Versioned>> {
    public Future<List<Versioned>> run(SqliteReader reader) {
      return reader.scan(scan);
    }
  }

  /** Number of rows (live and tombstones). */
  public record Count() implements ToReader<Long> {
    public Future<Long> run(SqliteReader reader) {
      return reader.count();
    }
  }

  /** See {@link HintStore#hintsFor}. */
  public record HintsFor(String target, int limit) implements ToReader<List<Hint>> {
    public Future<List<Hint>> run(SqliteReader reader) {
      return reader.hintsFor(target, limit);
    }
  }
}
