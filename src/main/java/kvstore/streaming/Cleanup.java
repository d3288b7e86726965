package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.ClusterView;
import kvstore.ring.Ring;
import kvstore.storage.StorageRequests;
import kvstore.storage.TokenScan;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;

/**
 * Deletes, page by page over the whole token space, the rows of which this node is in no
 * preference list ({@code kvctl cleanup}, after a join); stops if a move starts meanwhile (its
 * ranges may be about to arrive here).
 */
final class Cleanup {
  private final MoveSteps steps;
  private long scanned;
  private long deleted;

  Cleanup(MoveSteps steps) {
    this.steps = steps;
  }

  Future<String> run(MoveStats stats) {
    stats.ranges(1);
    return from(TokenScan.from(Long.MIN_VALUE, Long.MAX_VALUE, MoveSteps.PAGE_ROWS), stats).map(x -> {
      stats.rangeDone();
      return "deleted " + deleted + " of " + scanned + " rows, which this node no longer replicates";
    });
  }

  private Future<Void> from(TokenScan scan, MoveStats stats) {
    ClusterView v = steps.view.get();
    if (v.moving()) {
      return Future.failedFuture(new IllegalStateException("stopped: ranges started moving"));
    }
    return steps.storage.scan(scan).compose(rows -> {
      List<String> gone = new ArrayList<>();
      long bytes = 0;
      for (Versioned row : rows) {
        if (!v.ring().preferenceList(row.key(), steps.config.replicationFactor()).contains(v.selfId())) {
          gone.add(row.key());
          bytes += row.key().length() + row.value().length;
        }
      }
      scanned += rows.size();
      long freed = bytes;
      return steps.storage.ask(new StorageRequests.Forget(gone)).compose(n -> {
        deleted += n;
        stats.add(n, freed);
        stats.note(scanned + " rows scanned");
        if (rows.size() < scan.limit()) {
          return Future.succeededFuture();
        }
        Versioned last = rows.get(rows.size() - 1);
        return from(scan.after(Ring.token(last.key()), last.key()), stats);
      });
    });
  }
}
