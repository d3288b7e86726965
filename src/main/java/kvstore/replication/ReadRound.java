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
 *
 * <p>While ranges move, R answers must also come from the replicas the key will have after the
 * move, as a write needs W in both: coordinators do not all learn at once that a move has ended,
 * and one that has writes only to the replicas after it (without the one giving the range up), so
 * a read through one that has not must meet those too. A replica that joins is asked though it
 * does not serve reads yet: it may be behind, but the newest answer wins.
 */
final class ReadRound {
  private final String key;
  private final List<String> order;
  private final List<String> alsoAsk;
  private final List<String> after;
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
  private int answeredNow;
  private int answeredAfter;

  /**
   * {@code order}: the replicas that serve reads now, in the order to ask them; {@code after}: the
   * key's replicas once the move in progress is done (null when nothing moves); {@code alsoAsk}:
   * those of them not in {@code order}, asked from the start.
   */
  ReadRound(String key, List<String> order, List<String> after, List<String> alsoAsk, int needed, Consistency consistency,
            int replicationFactor, Function<String, Replica> replicas, ReadRepair readRepair, EventLog log) {
    this.key = key;
    this.order = order;
    this.after = after;
    this.alsoAsk = alsoAsk;
    this.needed = needed;
    this.consistency = consistency;
    this.replicationFactor = replicationFactor;
    this.replicas = replicas;
    this.readRepair = readRepair;
    this.log = log;
  }

  Future<Versioned> run() {
    List<String> first = new ArrayList<>();
    while (first.size() < needed && next < order.size()) {
      first.add(order.get(next++));
    }
    first.addAll(alsoAsk);
    // all counted as pending before any is sent: an answer that completes at once must not be taken for the last one
    pending = first.size();
    first.forEach(this::send);
    return result.future();
  }

  private boolean enough() {
    return answeredNow >= needed && (after == null || answeredAfter >= needed);
  }

  private void send(String node) {
    Replica replica = replicas.apply(node);
    Future<Versioned> f = replica == null ? Future.failedFuture("no address known for " + node) : replica.read(key);
    f.onComplete(ar -> {
      pending--;
      if (result.future().isComplete()) {
        return;
      }
      if (ar.failed()) {
        failures.add(node + ": " + ar.cause().getMessage());
        askNextOrFail();
        return;
      }
      answeredBy.add(node);
      answers.add(ar.result());
      answeredNow += order.contains(node) ? 1 : 0;
      answeredAfter += after != null && after.contains(node) ? 1 : 0;
      if (enough()) {
        finish();
      } else if (pending == 0) {
        askNextOrFail();
      }
    });
  }

  /** Replaces a failed or missing answer with the next replica in order; fails once none is left and none is pending. */
  private void askNextOrFail() {
    if (next < order.size()) {
      pending++;
      send(order.get(next++));
      return;
    }
    if (pending == 0) {
      String afterMove = after == null ? "" : String.format(" and %d of %d of the replicas after the move in progress", answeredAfter, needed);
      result.tryFail(new ReplicationException(String.format("read of '%s' answered by %d of %d required replicas%s (%s, RF %d): %s",
          key, answeredNow, needed, afterMove, consistency, replicationFactor, String.join("; ", failures))));
    }
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
