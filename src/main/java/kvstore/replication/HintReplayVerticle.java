package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.membership.ViewSubscription;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.rpc.PeerClients;
import kvstore.replica.proto.ReplicaProto;
import kvstore.storage.EventBusStorage;
import kvstore.storage.Hint;
import kvstore.version.HybridLogicalClock;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hinted handoff, the delivery half: once a target with pending hints is seen UP, send it its
 * hints oldest first in batches, deleting each batch only after the target acknowledged it, and
 * pacing batches to {@code hintReplayRowsPerSec} so a returning node is not flooded.
 */
public final class HintReplayVerticle extends VerticleBase {
  private static final int MAX_BATCH = 500;

  private final NodeConfig config;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private ViewSubscription view;
  private EventBusStorage storage;
  private ReplicaDirectory directory;
  private GrpcClient peers;
  private final Set<String> replaying = new HashSet<>();
  private long timerId = -1;

  private final NodeMetrics metrics;

  public HintReplayVerticle(NodeConfig config, HybridLogicalClock clock, NodeMetrics metrics, EventLog log) {
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, v -> tick()).map(sub -> {
      view = sub;
      storage = new EventBusStorage(vertx.eventBus(), 30_000);
      peers = PeerClients.create(vertx, config);
      LocalReplica local = new LocalReplica(config.nodeId(), storage, clock, config.replicaBatchBytes(),
          metrics.batchSizes(NodeMetrics.BatchKind.LOCAL_WRITE));
      directory = new ReplicaDirectory(local, peers, clock, view, config.replicaBatchBytes(), metrics);
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
        if (!replaying.contains(target) && view.get().isUp(target) && directory.remote(target) != null) {
          replaying.add(target);
          long started = System.nanoTime();
          log.info("[HINT] replaying " + e.getValue() + " hints to " + target);
          replay(target, 0).onComplete(ar -> {
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

  /** Replays until no hint is left for the target; answers how many were delivered. */
  private Future<Long> replay(String target, long delivered) {
    int batchSize = Math.min(MAX_BATCH, config.hintReplayRowsPerSec());
    return storage.hintsFor(target, batchSize).compose(hints -> {
      if (hints.isEmpty()) {
        return Future.succeededFuture(delivered);
      }
      if (!view.get().isUp(target)) {
        return Future.failedFuture(target + " is no longer UP");
      }
      RemoteReplica remote = directory.remote(target);
      ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
      List<Long> ids = new ArrayList<>(hints.size());
      for (Hint h : hints) {
        b.addRows(RemoteReplica.toRow(h.row(), false));
        ids.add(h.id());
      }
      long sentAt = System.nanoTime();
      return remote.client().write(b.build())
          .compose(ack -> storage.dropHints(target, ids))
          .onSuccess(v -> metrics.hintsReplayed(ids.size()))
          .compose(v -> {
            // pace to the configured rate: a batch of n rows may start n/rate seconds after the last one
            long spentMs = (System.nanoTime() - sentAt) / 1_000_000;
            long waitMs = Math.max(0, hints.size() * 1000L / config.hintReplayRowsPerSec() - spentMs);
            Promise<Long> next = Promise.promise();
            vertx.setTimer(Math.max(1, waitMs), t -> replay(target, delivered + hints.size()).onComplete(next));
            return next.future();
          });
    });
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return peers == null ? Future.succeededFuture() : peers.close();
  }
}
