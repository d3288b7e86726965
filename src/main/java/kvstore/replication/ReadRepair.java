package kvstore.replication;

import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.metrics.NodeMetrics;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Read repair, Dynamo section 5: after a read, every replica that answered an older version, or
 * nothing, is sent the newest one (last-write-wins applies it, so a repair never moves a replica
 * backwards).
 */
final class ReadRepair {
  private final Function<String, Replica> replicas;
  private final NodeMetrics metrics;
  private final EventLog log;

  ReadRepair(Function<String, Replica> replicas, NodeMetrics metrics, EventLog log) {
    this.replicas = replicas;
    this.metrics = metrics;
    this.log = log;
  }

  /** The newest of the answers (null when none had the key). */
  static Versioned newest(List<Versioned> answers) {
    Versioned newest = null;
    for (Versioned a : answers) {
      if (a != null && a.newerThan(newest)) {
        newest = a;
      }
    }
    return newest;
  }

  /** Writes {@code winner} back to each node in {@code answeredBy} whose answer is older; the writes, to wait on or not. */
  List<Future<Long>> repair(String key, Versioned winner, List<String> answeredBy, List<Versioned> answers) {
    List<Future<Long>> repairs = new ArrayList<>();
    if (winner == null) {
      return repairs;
    }
    for (int i = 0; i < answers.size(); i++) {
      Versioned a = answers.get(i);
      if (a == null || winner.newerThan(a)) {
        String node = answeredBy.get(i);
        log.event(() -> "[READ-REPAIR] " + node + " " + key + " -> " + winner);
        metrics.readRepair();
        Replica r = replicas.apply(node);
        if (r != null) {
          repairs.add(r.write(winner, false));
        }
      }
    }
    return repairs;
  }
}
