package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.membership.ViewSubscription;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.rpc.PeerClients;
import kvstore.replica.proto.ReplicaProto;
import kvstore.storage.EventBusStorage;
import kvstore.storage.HintStore;
import kvstore.storage.Hint;
import kvstore.version.HybridLogicalClock;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.vertx.rxjava3.core.RxHelper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Hinted handoff, the delivery half: once a target with pending hints is seen UP, send it its
 * hints oldest first in batches, deleting each batch only after the target acknowledged it, and
 * pacing batches to {@code hintReplayRowsPerSec} so a returning node is not flooded.
 */
public final class HintReplayVerticle extends VerticleBase {
  private static final int MAX_BATCH = 500;

  private final NodeConfig config;
  private final kvstore.security.ClusterTls tls;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private ViewSubscription view;
  private HintStore storage;
  private ReplicaDirectory directory;
  private GrpcClient peers;
  private final Set<String> replaying = new HashSet<>();
  private long timerId = -1;

  private final NodeMetrics metrics;

  public HintReplayVerticle(NodeConfig config, kvstore.security.ClusterTls tls, HybridLogicalClock clock, NodeMetrics metrics, EventLog log) {
    this.tls = tls;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, v -> tick()).map(sub -> {
      view = sub;
      storage = new EventBusStorage(vertx.eventBus(), config.storageTimeoutMs());
      peers = PeerClients.create(vertx, config, tls);
      directory = ReplicaDirectory.peers(peers, clock, view, config.replicaBatchBytes(), metrics);
      timerId = vertx.setPeriodic(1000, t -> tick());
      return null;
    });
  }

  private void tick() {
    if (storage == null || view == null) {
      return;
    }
    storage.hintCounts().onSuccess(counts -> {
      for (Map.Entry<String, Long> e : counts.entrySet()) {
        String target = e.getKey();
        kvstore.membership.Member m = view.get().member(target);
        if (m != null && m.status() == kvstore.membership.Status.LEFT && !replaying.contains(target)) {
          // it left for good: its ranges have other replicas now, which got these rows from the move
          replaying.add(target);
          dropAll(target).onComplete(ar -> {
            replaying.remove(target);
            log.info("[HINT] dropped " + (ar.succeeded() ? ar.result() : 0) + " hints for " + target + ", which has left the cluster");
          });
          continue;
        }
        if (!replaying.contains(target) && view.get().isUp(target) && directory.remote(target) != null) {
          replaying.add(target);
          long started = System.nanoTime();
          log.info("[HINT] replaying " + e.getValue() + " hints to " + target);
          replay(target).onComplete(ar -> {
            replaying.remove(target);
            double secs = (System.nanoTime() - started) / 1e9;
            if (ar.succeeded()) {
              log.info(String.format("[HINT] replayed %d hints to %s in %.1f s (%.0f rows/s)", ar.result(), target, secs,
                  ar.result() / Math.max(secs, 1e-3)));
            } else {
              log.info("[HINT] replay to " + target + " paused: " + ar.cause().getMessage());
            }
          });
        }
      }
    });
  }

  /**
   * Replays until no hint is left for the target; answers how many were delivered. A stream of
   * batches with backpressure: the next batch is read only after the last one was acknowledged,
   * dropped from storage and waited out to the configured rate (the delays run on this verticle's
   * event loop).
   */
  private Future<Long> replay(String target) {
    int batchSize = Math.min(MAX_BATCH, config.hintReplayRowsPerSec());
    Scheduler onContext = RxHelper.scheduler(io.vertx.rxjava3.core.Context.newInstance(context));
    Single<Long> delivered = Single.defer(() -> single(storage.hintsFor(target, batchSize)))
        .flatMap(hints -> hints.isEmpty() ? Single.just(0) : deliver(target, hints, onContext))
        .repeat()
        .takeWhile(n -> n > 0)
        .reduce(0L, (sum, n) -> sum + n);
    return Future.fromCompletionStage(delivered.toCompletionStage(), context);
  }

  /** One batch: written to the target, then dropped here, then paced; answers its size. */
  private Single<Integer> deliver(String target, List<Hint> hints, Scheduler onContext) {
    if (!view.get().isUp(target)) {
      return Single.error(new IllegalStateException(target + " is no longer UP"));
    }
    ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
    List<Long> ids = new ArrayList<>(hints.size());
    for (Hint h : hints) {
      b.addRows(RemoteReplica.toRow(h.row(), false));
      ids.add(h.id());
    }
    long sentAt = System.nanoTime();
    // RxJava carries no nulls: the batch's size stands for the Void of the drop
    return single(directory.remote(target).client().write(b.build()).compose(ack -> storage.dropHints(target, ids)).map(v -> ids.size()))
        .flatMap(n -> {
          metrics.hintsReplayed(n);
          // pace to the configured rate: a batch of n rows may start n/rate seconds after the last one
          long spentMs = (System.nanoTime() - sentAt) / 1_000_000;
          long waitMs = Math.max(1, hints.size() * 1000L / config.hintReplayRowsPerSec() - spentMs);
          return Single.timer(waitMs, TimeUnit.MILLISECONDS, onContext).map(t -> hints.size());
        });
  }

  private Future<Long> dropAll(String target) {
    return storage.hintsFor(target, MAX_BATCH).compose(hints -> {
      if (hints.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      List<Long> ids = new ArrayList<>(hints.size());
      hints.forEach(h -> ids.add(h.id()));
      return storage.dropHints(target, ids).compose(v -> dropAll(target)).map(n -> n + ids.size());
    });
  }

  private static <T> Single<T> single(Future<T> f) {
    return Single.fromCompletionStage(f.toCompletionStage());
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return peers == null ? Future.succeededFuture() : peers.close();
  }
}
