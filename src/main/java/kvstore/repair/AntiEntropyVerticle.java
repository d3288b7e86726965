package kvstore.repair;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.membership.ClusterView;
import kvstore.membership.Member;
import kvstore.membership.Status;
import kvstore.membership.ViewSubscription;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.replica.proto.ReplicaProto;
import kvstore.rpc.PeerClients;
import io.vertx.core.net.SocketAddress;
import kvstore.storage.EventBusStorage;
import kvstore.bus.LocalCodec;
import kvstore.storage.StorageVerticle;
import kvstore.version.Versions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Merkle-tree anti-entropy. Asks storage to (re)build the trees whenever the ring changes; every
 * {@code antiEntropyIntervalMs} syncs with the next live peer that shares ranges (round-robin), and
 * on request ({@link #REPAIR_NOW}) with every live peer or a named one. Sessions run one at a time
 * and share one throttle, so repair never takes more than {@code antiEntropyRowsPerSec}.
 */
public final class AntiEntropyVerticle extends VerticleBase {
  /** Runs a repair now: a {@link RepairNow}. */
  public static final String REPAIR_NOW = "kv.repair.now";

  /**
   * A repair asked for now: with one peer (or every live one when empty), at {@code rowsPerSec}
   * (0: the node's antiEntropyRowsPerSec), its progress (serialized RepairProgress) sent to
   * {@code progressAddress}; answered with the final RepairProgress, serialized.
   */
  public record RepairNow(String peer, int rowsPerSec, String progressAddress) {
  }

  private final NodeConfig config;
  private final kvstore.security.ClusterTls tls;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final java.util.function.Supplier<RangeTrees> trees;
  private ViewSubscription view;
  private EventBusStorage storage;
  private GrpcClient peers;
  private Throttle throttle;
  private long timerId = -1;
  private long requestedRing;
  private boolean ringRequested;
  private int nextPeer;
  /** The session running or queued last; new sessions chain behind it. */
  private Future<?> tail = Future.succeededFuture();
  private boolean busy;

  public AntiEntropyVerticle(NodeConfig config, kvstore.security.ClusterTls tls, NodeMetrics metrics, EventLog log,
                             java.util.function.Supplier<RangeTrees> trees) {
    this.tls = tls;
    this.config = config;
    this.metrics = metrics;
    this.log = log;
    this.trees = trees;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, this::rebuildIfRingChanged).map(sub -> {
      view = sub;
      storage = new EventBusStorage(vertx.eventBus(), config.storageTimeoutMs());
      peers = PeerClients.create(vertx, config, tls);
      throttle = new Throttle(config.antiEntropyRowsPerSec(), System.nanoTime());
      rebuildIfRingChanged(view.get());
      vertx.eventBus().<RepairNow>consumer(REPAIR_NOW, req -> {
        RepairNow body = req.body();
        Throttle pace = body.rowsPerSec() == 0 ? throttle : new Throttle(body.rowsPerSec(), System.nanoTime());
        repairNow(body.peer(), body.progressAddress(), pace).onComplete(ar -> {
          if (ar.succeeded()) {
            req.reply(ar.result().toByteArray());
          } else {
            req.fail(400, ar.cause().getMessage());
          }
        });
      });
      if (config.antiEntropyIntervalMs() > 0) {
        timerId = vertx.setPeriodic(config.antiEntropyIntervalMs(), t -> tick());
      }
      return null;
    });
  }

  /** A node joined or left: trees of the old ring cut the token space wrongly; build new ones. */
  private void rebuildIfRingChanged(ClusterView v) {
    if (v == null) {
      return;
    }
    long fp = v.ring().fingerprint();
    if (ringRequested && fp == requestedRing) {
      return;
    }
    ringRequested = true;
    requestedRing = fp;
    vertx.eventBus().send(StorageVerticle.REBUILD_TREES, new RangeTrees(v.ring(), config.replicationFactor(), config.nodeId()), LocalCodec.delivery());
  }

  /** The periodic round: one peer, the next in turn; skipped while another session runs. */
  private void tick() {
    if (busy) {
      return;
    }
    List<String> candidates = livePeersSharingRanges();
    if (candidates.isEmpty()) {
      return;
    }
    String peer = candidates.get(Math.floorMod(nextPeer++, candidates.size()));
    enqueue(List.of(peer), null, throttle).onFailure(err -> log.event(() -> "[ANTI-ENTROPY] round skipped: " + err.getMessage()));
  }

  private Future<ReplicaProto.RepairProgress> repairNow(String peer, String progressAddress, Throttle pace) {
    List<String> targets;
    if (peer == null || peer.isEmpty()) {
      targets = livePeersSharingRanges();
    } else {
      ClusterView v = view.get();
      if (v.member(peer) == null || peer.equals(config.nodeId())) {
        return Future.failedFuture("unknown peer '" + peer + "' (members: " + v.members().keySet() + ")");
      }
      if (!v.isUp(peer)) {
        return Future.failedFuture("peer '" + peer + "' is " + v.member(peer).status() + ", not UP");
      }
      targets = List.of(peer);
    }
    return enqueue(targets, progressAddress, pace);
  }

  private Future<ReplicaProto.RepairProgress> enqueue(List<String> targets, String progressAddress, Throttle pace) {
    Future<ReplicaProto.RepairProgress> session = tail.transform(ignored -> {
      busy = true;
      return syncAll(targets, progressAddress, pace);
    }).andThen(ar -> busy = false);
    tail = session;
    return session;
  }

  private Future<ReplicaProto.RepairProgress> syncAll(List<String> targets, String progressAddress, Throttle pace) {
    RangeTrees t = trees.get();
    if (t == null || !t.ready()) {
      return Future.failedFuture("Merkle trees are still being built (" + (t == null ? 0 : t.rowsScanned()) + " rows scanned); try again shortly");
    }
    long t0 = System.nanoTime();
    log.event(() -> "[ANTI-ENTROPY] round start with " + targets + ", ring " + Long.toHexString(t.fingerprint()));
    RepairTotals totals = new RepairTotals(targets.size());
    Future<Void> chain = Future.succeededFuture();
    for (String peer : targets) {
      chain = chain.compose(v -> syncWith(t, peer, totals, progressAddress, pace).transform(ar -> {
        if (ar.failed()) {
          log.event(() -> "[ANTI-ENTROPY] " + peer + " skipped: " + ar.cause().getMessage());
        }
        totals.peerDone(ar.failed() ? peer + ": " + ar.cause().getMessage() : null);
        return Future.succeededFuture();
      }));
    }
    return chain.map(v -> {
      totals.finish();
      ReplicaProto.RepairProgress last = totals.toProto("");
      log.event(() -> "[ANTI-ENTROPY] round done: " + totals.rows() + " rows repaired (" + last.getRowsPulled() + " pulled, "
          + last.getRowsPushed() + " pushed), " + last.getBytes() + " bytes in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      return last;
    });
  }

  private Future<Void> syncWith(RangeTrees t, String peer, RepairTotals totals, String progressAddress, Throttle pace) {
    Member m = view.get().member(peer);
    if (m == null) {
      return Future.failedFuture("no address known");
    }
    SocketAddress remote = PeerClients.address(m.peerAddress());
    long purgeable = Versions.fromMillis(System.currentTimeMillis() - config.tombstoneGraceMs());
    PeerSync sync = new PeerSync(vertx, t, peer, peers, remote, storage, pace, purgeable, config.writeBatchMax(),
        Math.max(1, config.maxMessageBytes() / 2), tally -> {
          if (progressAddress != null) {
            vertx.eventBus().send(progressAddress, totals.toProto(peer).toByteArray());
          }
        }, log);
    totals.syncing(sync.tally());
    return sync.run().andThen(ar -> {
      PeerSync.Tally tally = sync.tally();
      metrics.antiEntropyRound(tally.rowsMoved(), tally.bytes, tally.leavesDiffering);
      if (ar.succeeded()) {
        log.event(() -> "[ANTI-ENTROPY] " + peer + ": " + tally.rowsPulled + " rows pulled, " + tally.rowsPushed
            + " pushed, " + tally.leavesDiffering + " leaves differed, " + tally.bytes + " bytes, " + tally.millis() + " ms");
      }
    }).mapEmpty();
  }

  private List<String> livePeersSharingRanges() {
    RangeTrees t = trees.get();
    List<String> out = new ArrayList<>();
    for (Member m : view.get().members().values()) {
      if (!m.nodeId().equals(config.nodeId()) && m.status() == Status.UP && (t == null || !t.sharedWith(m.nodeId()).isEmpty())) {
        out.add(m.nodeId());
      }
    }
    out.sort(String::compareTo);
    return out;
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return peers == null ? Future.succeededFuture() : peers.close();
  }
}
