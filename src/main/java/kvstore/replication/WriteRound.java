package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One attempt to write a row to every replica of its preference list in parallel (Dynamo section
 * 4.5, Voldemort's PerformParallelPutRequests): done at W acknowledgements; every replica that
 * failed, or that the failure detector says is DOWN (not waited for), goes to hinted handoff.
 */
final class WriteRound {
  /** How one replica answered a write. */
  enum Outcome { OK, STALE, DOWN, FAILED }

  /**
   * How the round ended: W reached, or not; the newest version a replica already held, and how many
   * replicas of the preference list answered with a newer version than the row's.
   */
  record Result(boolean acknowledged, int acks, long newestStale, int staleAnswers, List<String> failures) {
  }

  private final Function<String, Replica> replicas;
  private final HintedHandoff handoff;
  private final NodeMetrics metrics;
  private final EventLog log;

  WriteRound(Function<String, Replica> replicas, HintedHandoff handoff, NodeMetrics metrics, EventLog log) {
    this.replicas = replicas;
    this.handoff = handoff;
    this.metrics = metrics;
    this.log = log;
  }

  /**
   * Sends {@code row} to every node of {@code prefs} and {@code pending}; completes as soon as
   * {@code needed} of {@code prefs} acknowledged and, while ranges move, {@code needed} of
   * {@code futurePrefs} too (CASSANDRA-833: the guarantee holds in the ring before the move and in
   * the ring after it), or once all answered; or, when a replica already holds a newer version and
   * the coordinator will re-stamp, as soon as too few replicas are left to reach that.
   * {@code acceptNewer}: a replica that holds a newer version counts as an ack (the coordinator
   * will not re-stamp any more).
   */
  Future<Result> run(ClusterView view, Versioned row, boolean clockStamped, List<String> prefs, List<String> futurePrefs,
                     int needed, boolean acceptNewer) {
    Promise<Result> done = Promise.promise();
    java.util.Set<String> targets = new java.util.LinkedHashSet<>(prefs);
    targets.addAll(futurePrefs);
    int[] acks = {0};
    int[] futureAcks = {0};
    int[] answered = {0};
    int[] pendingPrefs = {prefs.size()};
    int[] pendingFuture = {futurePrefs.size()};
    int[] staleAnswers = {0};
    long[] newestStale = {0};
    List<String> failures = new ArrayList<>();
    for (String node : targets) {
      send(view, node, row, clockStamped).onComplete(ar -> {
        answered[0]++;
        if (prefs.contains(node)) {
          pendingPrefs[0]--;
        }
        if (futurePrefs.contains(node)) {
          pendingFuture[0]--;
        }
        Outcome outcome = ar.succeeded() ? (ar.result() <= row.version() || acceptNewer ? Outcome.OK : Outcome.STALE)
            : ar.cause() instanceof DownReplica ? Outcome.DOWN : Outcome.FAILED;
        metrics.replicaWrite(outcome.name().toLowerCase(java.util.Locale.ROOT));
        switch (outcome) {
          case OK -> {
            if (prefs.contains(node)) {
              acks[0]++;
            }
            if (futurePrefs.contains(node)) {
              futureAcks[0]++;
            }
            log.trace(() -> "[REPLICATE✓] " + node + " " + row.key());
          }
          case STALE -> {
            // a newer version is stored there: our clock was behind the writer of that version
            newestStale[0] = Math.max(newestStale[0], ar.result());
            if (prefs.contains(node)) {
              staleAnswers[0]++;
            }
            failures.add(node + ": holds a newer version");
          }
          default -> {
            failures.add(node + ": " + ar.cause().getMessage());
            log.trace(() -> "[REPLICATE✗] " + node + " " + row.key() + ": " + ar.cause().getMessage());
            handoff.missed(view, node, row);
          }
        }
        int futureNeeded = Math.min(needed, futurePrefs.size());
        boolean cannotReach = acks[0] + pendingPrefs[0] < needed || futureAcks[0] + pendingFuture[0] < futureNeeded;
        // a coordinator that will re-stamp need not wait for the slowest replica; one that will
        // report the failure waits, so that its message counts every ack
        boolean willRestamp = !acceptNewer && newestStale[0] > 0;
        if (acks[0] >= needed && futureAcks[0] >= futureNeeded) {
          done.tryComplete(new Result(true, acks[0], newestStale[0], staleAnswers[0], List.copyOf(failures)));
        } else if (answered[0] == targets.size() || (cannotReach && willRestamp)) {
          done.tryComplete(new Result(false, acks[0], newestStale[0], staleAnswers[0], List.copyOf(failures)));
        }
      });
    }
    return done.future();
  }

  private Future<Long> send(ClusterView view, String node, Versioned row, boolean clockStamped) {
    Replica replica = replicas.apply(node);
    if (replica == null) {
      return Future.failedFuture(new IllegalStateException("no address known for " + node));
    }
    if (!node.equals(view.selfId()) && view.isDown(node)) {
      // the failure detector says DOWN: do not wait a timeout on it, leave it a hint at once
      return Future.failedFuture(new DownReplica());
    }
    log.trace(() -> "[REPLICATE→] " + node + " " + row);
    return replica.write(row, clockStamped);
  }

  /** The failure detector's verdict, as a failure without a stack. */
  static final class DownReplica extends RuntimeException {
    DownReplica() {
      super("DOWN", null, false, false);
    }
  }
}
