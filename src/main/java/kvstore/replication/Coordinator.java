package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.node.EventLog;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Coordinates one key's read or write over its preference list, as in Dynamo section 4.5: writes
 * go to all RF replicas in parallel and succeed at W acknowledgements; reads ask R replicas (more
 * when some fail) and return the newest answer, writing it back to replicas that answered older.
 */
public final class Coordinator {
  /** A clock-stamped write that meets a newer stored version is re-stamped at most this often. */
  private static final int MAX_STAMP_ATTEMPTS = 3;

  private final Supplier<ClusterView> view;
  private final Function<String, Replica> replicas;
  private final HybridLogicalClock clock;
  private final int replicationFactor;
  private final HintSink hints;
  private final long hintWindowMs;
  private final NodeMetrics metrics;
  private final EventLog log;

  /**
   * Hints do not count toward W: a write is acknowledged only by real replicas (no sloppy quorum),
   * so ALL never succeeds with a replica down and QUORUM keeps its overlap guarantee.
   */
  public Coordinator(Supplier<ClusterView> view, Function<String, Replica> replicas, HybridLogicalClock clock,
                     int replicationFactor, HintSink hints, long hintWindowMs, NodeMetrics metrics, EventLog log) {
    this.metrics = metrics;
    this.view = view;
    this.replicas = replicas;
    this.clock = clock;
    this.replicationFactor = replicationFactor;
    this.hints = hints;
    this.hintWindowMs = hintWindowMs;
    this.log = log;
  }

  /** A replica that missed a write gets a hint, unless it has been silent longer than the hint window. */
  private void hintFor(ClusterView v, String node, Versioned row) {
    if (node.equals(v.selfId())) {
      return;
    }
    if (v.silentForMs(node, System.currentTimeMillis()) <= hintWindowMs) {
      hints.hint(node, row);
    } else {
      metrics.hintDropped();
    }
  }

  public List<String> preferenceList(String key) {
    return view.get().ring().preferenceList(key, replicationFactor);
  }

  /**
   * Writes a value or tombstone. {@code version} 0 means "stamp it with the cluster clock".
   * Succeeds with the version written once W replicas acknowledged it durably.
   */
  public Future<Long> write(String key, byte[] value, boolean tombstone, long version, Consistency consistency) {
    List<String> prefs = preferenceList(key);
    int needed = consistency.required(replicationFactor);
    if (prefs.size() < needed) {
      return Future.failedFuture(new ReplicationException(String.format(
          "write needs %d replicas (%s of RF %d) but the cluster has only %d node(s)", needed, consistency, replicationFactor, prefs.size())));
    }
    boolean stamped = version == 0;
    log.trace(() -> "[REPLICAS] " + key + " -> " + prefs);
    return attemptWrite(key, value, tombstone, stamped, stamped ? clock.now() : version, prefs, needed, consistency, 1);
  }

  private Future<Long> attemptWrite(String key, byte[] value, boolean tombstone, boolean stamped, long version,
                                    List<String> prefs, int needed, Consistency consistency, int attempt) {
    Versioned row = tombstone ? Versioned.tombstone(key, version) : new Versioned(key, value, version, false);
    Promise<Long> result = Promise.promise();
    boolean lastAttempt = !stamped || attempt >= MAX_STAMP_ATTEMPTS;
    var tally = new Object() {
      int acks;
      int answered;
      long newestStale;
      final List<String> failures = new ArrayList<>();
    };
    ClusterView v = view.get();
    for (String node : prefs) {
      Replica replica = replicas.apply(node);
      Future<Long> sent;
      if (replica == null) {
        sent = Future.failedFuture("no address known for " + node);
      } else if (!node.equals(v.selfId()) && v.isDown(node)) {
        // the failure detector says DOWN: do not wait a timeout on it, leave it a hint at once
        sent = Future.failedFuture("DOWN");
      } else {
        log.trace(() -> "[REPLICATE→] " + node + " " + row);
        sent = replica.write(row, stamped);
      }
      sent.onComplete(ar -> {
        tally.answered++;
        if (ar.succeeded() && (ar.result() <= version || lastAttempt)) {
          metrics.replicaWrite("ok");
          tally.acks++;
          log.trace(() -> "[REPLICATE✓] " + node + " " + key);
        } else if (ar.succeeded()) {
          // a newer version is stored there: our clock was behind the writer of that version
          metrics.replicaWrite("stale");
          tally.newestStale = Math.max(tally.newestStale, ar.result());
          tally.failures.add(node + ": holds a newer version");
        } else {
          tally.failures.add(node + ": " + ar.cause().getMessage());
          metrics.replicaWrite("DOWN".equals(ar.cause().getMessage()) ? "down" : "failed");
          log.trace(() -> "[REPLICATE✗] " + node + " " + key + ": " + ar.cause().getMessage());
          hintFor(v, node, row);
        }
        if (tally.acks == needed) {
          result.tryComplete(version);
        } else if (tally.answered == prefs.size() && tally.acks < needed) {
          if (tally.newestStale > 0 && !lastAttempt) {
            clock.observe(tally.newestStale);
            attemptWrite(key, value, tombstone, true, clock.now(), prefs, needed, consistency, attempt + 1).onComplete(result);
          } else {
            result.tryFail(new ReplicationException(String.format(
                "write of '%s' acknowledged by %d of %d required replicas (%s, RF %d): %s",
                key, tally.acks, needed, consistency, replicationFactor, String.join("; ", tally.failures))));
          }
        }
      });
    }
    return result.future();
  }

  /** Reads the newest version (possibly a tombstone) from R replicas; null when none has the key. */
  public Future<Versioned> read(String key, Consistency consistency) {
    ClusterView v = view.get();
    List<String> prefs = v.ring().preferenceList(key, replicationFactor);
    int needed = consistency.required(replicationFactor);
    if (prefs.size() < needed) {
      return Future.failedFuture(new ReplicationException(String.format(
          "read needs %d replicas (%s of RF %d) but the cluster has only %d node(s)", needed, consistency, replicationFactor, prefs.size())));
    }
    // this node first (no network hop), then replicas believed up, then the rest as a last resort
    List<String> order = new ArrayList<>(prefs.size());
    if (prefs.contains(v.selfId())) {
      order.add(v.selfId());
    }
    for (String n : prefs) {
      if (!order.contains(n) && v.isUp(n)) {
        order.add(n);
      }
    }
    for (String n : prefs) {
      if (!order.contains(n)) {
        order.add(n);
      }
    }
    ReadRound round = new ReadRound(key, order, needed, consistency);
    for (int i = 0; i < needed; i++) {
      round.askNext();
    }
    return round.result.future();
  }

  /** One read: asks replicas in order, replacing each failed one with the next, until R answered. */
  private final class ReadRound {
    final String key;
    final List<String> order;
    final int needed;
    final Consistency consistency;
    final Promise<Versioned> result = Promise.promise();
    final List<String> answeredBy = new ArrayList<>();
    final List<Versioned> answers = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    int next;
    int pending;

    ReadRound(String key, List<String> order, int needed, Consistency consistency) {
      this.key = key;
      this.order = order;
      this.needed = needed;
      this.consistency = consistency;
    }

    void askNext() {
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

    void finish() {
      Versioned newest = null;
      for (Versioned a : answers) {
        if (a != null && a.newerThan(newest)) {
          newest = a;
        }
      }
      Versioned winner = newest;
      log.trace(() -> "[READ] " + key + " from " + answeredBy + " -> " + (winner == null ? "absent" : winner));
      List<Future<Long>> repairs = new ArrayList<>();
      if (winner != null) {
        for (int i = 0; i < answers.size(); i++) {
          Versioned a = answers.get(i);
          if (a == null || winner.newerThan(a)) {
            String node = answeredBy.get(i);
            log.trace(() -> "[READ-REPAIR] " + node + " " + key + " -> " + winner);
            metrics.readRepair();
            Replica r = replicas.apply(node);
            if (r != null) {
              repairs.add(r.write(winner, false));
            }
          }
        }
      }
      // at ALL the caller expects every replica to agree when we answer, so wait for the repair
      if (consistency == Consistency.ALL && !repairs.isEmpty()) {
        Future.join(repairs).onComplete(ar -> result.tryComplete(winner));
      } else {
        result.tryComplete(winner);
      }
    }
  }
}
