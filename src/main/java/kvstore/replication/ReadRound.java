package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.log.EventLog;
import kvstore.quorum.Consistency;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One read of a key: asks R replicas in order, replacing each one that fails with the next of the
 * preference list, until R answered (Dynamo section 4.5); then the newest answer wins and read
 * repair writes it back to the replicas that answered older.
 */
final class ReadRound {
  private final String key;
  private final List<String> order;
  private final int needed;
  private final Consistency consistency;
  private final int replicationFactor;
  private final Function<String, Replica> replicas;
  private final ReadRepair readRepair;
  private final EventLog log;
  private final Promise<Versioned> result = Promise.promise();
  private final List<String> answeredBy = new ArrayList<>();
  private final List<Versioned> answers = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private int next;
  private int pending;

  ReadRound(String key, List<String> order, int needed, Consistency consistency, int replicationFactor,
            Function<String, Replica> replicas, ReadRepair readRepair, EventLog log) {
    this.key = key;
    this.order = order;
    this.needed = needed;
    this.consistency = consistency;
    this.replicationFactor = replicationFactor;
    this.replicas = replicas;
    this.readRepair = readRepair;
    this.log = log;
  }

  Future<Versioned> run() {
    for (int i = 0; i < needed; i++) {
      askNext();
    }
    return result.future();
  }

  private void askNext() {
    if (next >= order.size()) {
      if (pending == 0) {
        result.tryFail(new ReplicationException(String.format("read of '%s' answered by %d of %d required replicas (%s, RF %d): %s",
            key, answers.size(), needed, consistency, replicationFactor, String.join("; ", failures))));
      }
      return;
    }
    String node = order.get(next++);
    Replica replica = replicas.apply(node);
    pending++;
    Future<Versioned> f = replica == null ? Future.failedFuture("no address known for " + node) : replica.read(key);
    f.onComplete(ar -> {
      pending--;
      if (ar.failed()) {
        failures.add(node + ": " + ar.cause().getMessage());
        askNext();
        return;
      }
      answeredBy.add(node);
      answers.add(ar.result());
      if (answers.size() == needed) {
        finish();
      } else if (pending == 0 && next >= order.size()) {
        askNext();
      }
    });
  }

  private void finish() {
    Versioned winner = ReadRepair.newest(answers);
    log.trace(() -> "[READ] " + key + " from " + answeredBy + " -> " + (winner == null ? "absent" : winner));
    List<Future<Long>> repairs = readRepair.repair(key, winner, answeredBy, answers);
    // at ALL the caller expects every replica to agree when we answer, so wait for the repair
    if (consistency == Consistency.ALL && !repairs.isEmpty()) {
      Future.join(repairs).onComplete(ar -> result.tryComplete(winner));
    } else {
      result.tryComplete(winner);
    }
  }
}
