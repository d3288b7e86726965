package kvstore.streaming;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Future;
import kvstore.repair.Throttle;
import kvstore.ring.Ring;
import kvstore.storage.TokenScan;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Streams the rows of token intervals from a replica to other replicas, as a stream of pages with
 * backpressure: the next page is read only after the last one was written durably everywhere and
 * waited out to the rate. Rows keep their versions, so a target that already holds a newer one
 * keeps it (last-write-wins), and streaming the same interval twice is harmless.
 */
public final class RangeStreamer {
  /** Where rows are read from: this node's storage or a peer's ScanRange. */
  public interface RowSource {
    Future<List<Versioned>> page(TokenScan scan);
  }

  /** Where rows are written to: this node's storage or a peer's Write. */
  public interface RowSink {
    Future<Void> write(List<Versioned> rows);
  }

  private final int pageRows;
  private final Throttle throttle;
  private final LongSupplier nanos;
  private final Scheduler scheduler;

  /** {@code scheduler}: where the pacing waits run (the calling verticle's event loop). */
  public RangeStreamer(int pageRows, int rowsPerSec, LongSupplier nanos, Scheduler scheduler) {
    this.pageRows = pageRows;
    this.throttle = new Throttle(rowsPerSec, nanos.getAsLong());
    this.nanos = nanos;
    this.scheduler = scheduler;
  }

  /** Copies every row of [first, last] from {@code source} to every sink; answers the rows copied, adding them to {@code stats}. */
  public Single<Long> copy(long first, long last, RowSource source, List<RowSink> sinks, MoveStats stats) {
    TokenScan[] cursor = {TokenScan.from(first, last, pageRows)};
    // only an empty page ends the interval: a replica cuts a page short at its batch-byte limit
    // (large values), so a short page may have more rows after it
    return Single.defer(() -> single(source.page(cursor[0])))
        .flatMap(rows -> rows.isEmpty() ? Single.just(0) : write(rows, sinks, stats).map(n -> {
          Versioned lastRow = rows.get(rows.size() - 1);
          cursor[0] = cursor[0].after(Ring.token(lastRow.key()), lastRow.key());
          return n;
        }))
        .repeat()
        .takeUntil(n -> n == 0)
        .reduce(0L, (sum, n) -> sum + n);
  }

  private Single<Integer> write(List<Versioned> rows, List<RowSink> sinks, MoveStats stats) {
    List<Future<Void>> writes = new ArrayList<>(sinks.size());
    for (RowSink s : sinks) {
      writes.add(s.write(rows));
    }
    long bytes = 0;
    for (Versioned v : rows) {
      bytes += v.key().length() + v.value().length;
    }
    long pageBytes = bytes;
    return single(Future.all(writes).map(v -> rows.size())).flatMap(n -> {
      stats.add(n, pageBytes);
      long waitMs = throttle.acquire(n, nanos.getAsLong());
      return waitMs <= 0 ? Single.just(n) : Single.timer(waitMs, TimeUnit.MILLISECONDS, scheduler).map(t -> n);
    });
  }

  static <T> Single<T> single(Future<T> f) {
    return Single.fromCompletionStage(f.toCompletionStage());
  }
}
