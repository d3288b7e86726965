package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The single writer connection's queue. With several writers SQLite answers SQLITE_BUSY to a large
 * share of transactions, with one it never does; changes that arrive while a group commits wait
 * and commit together in the next group, so the fsync is shared by all of them. Not thread-safe:
 * used from the storage verticle's context.
 */
final class GroupCommit {
  private record Pending<R>(WriteOp<R> op, Promise<R> done) {
    void answer(CommitGroup g) {
      done.complete(op.answer(g));
    }

    void fail(Throwable err) {
      op.failed();
      done.fail(err);
    }
  }

  private final Pool writer;
  private final int batchMax;
  private final AtomicReference<RowHashIndex> trees;
  private final StorageStats stats = new StorageStats();
  private final Upserts upserts = new Upserts();
  private final ArrayDeque<Pending<?>> queue = new ArrayDeque<>();
  private RowCache cache = new RowCache(0);
  private boolean committing;

  GroupCommit(Pool writer, int batchMax, AtomicReference<RowHashIndex> trees) {
    this.writer = writer;
    this.batchMax = batchMax;
    this.trees = trees;
  }

  void cacheRows(RowCache cache) {
    this.cache = cache;
  }

  StorageStats stats() {
    return stats;
  }

  /** True while nothing is queued or committing. */
  boolean idle() {
    return !committing && queue.isEmpty();
  }

  <R> Future<R> enqueue(WriteOp<R> op) {
    Promise<R> p = Promise.promise();
    queue.add(new Pending<>(op, p));
    commitNext();
    return p.future();
  }

  private void commitNext() {
    if (committing || queue.isEmpty()) {
      return;
    }
    committing = true;
    List<Pending<?>> batch = new ArrayList<>();
    int size = 0;
    while (!queue.isEmpty() && (batch.isEmpty() || size + queue.peek().op().size() <= batchMax)) {
      Pending<?> p = queue.poll();
      batch.add(p);
      size += p.op().size();
    }
    CommitGroup g = new CommitGroup(upserts);
    for (Pending<?> p : batch) {
      p.op().plan(g);
    }
    long started = System.nanoTime();
    g.run(writer).onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        stats.recordCommit(g.rowsApplied(), System.nanoTime() - started);
        g.applyTo(trees.get(), cache);
        batch.forEach(p -> p.answer(g));
      } else {
        stats.recordFailure();
        batch.forEach(p -> p.fail(ar.cause()));
      }
      commitNext();
    });
  }
}
