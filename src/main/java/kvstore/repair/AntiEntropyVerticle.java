package kvstore.repair;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.membership.ClusterView;
import kvstore.membership.Member;
import kvstore.membership.Status;
import kvstore.membership.ViewSubscription;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.rpc.PeerClients;
import io.vertx.core.net.SocketAddress;
import kvstore.storage.EventBusStorage;
import kvstore.storage.StorageMessages;
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
  /**
   * Runs a repair now. Body: {peer?: id, progress?: address, rowsPerSec?: this repair's throttle}; each step's totals are sent to the
   * progress address as JSON; the reply is the final totals.
   */
  public static final String REPAIR_NOW = "kv.repair.now";

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
      storage = new EventBusStorage(vertx.eventBus(), 60_000);
      peers = PeerClients.create(vertx, config, tls);
      throttle = new Throttle(config.antiEntropyRowsPerSec(), System.nanoTime());
      rebuildIfRingChanged(view.get());
      vertx.eventBus().<JsonObject>consumer(REPAIR_NOW, req -> {
        JsonObject body = req.body() == null ? new JsonObject() : req.body();
        Integer rate = body.getInteger("rowsPerSec");
        Throttle pace = rate == null ? throttle : new Throttle(rate, System.nanoTime());
        repairNow(body.getString("peer"), body.getString("progress"), pace).onComplete(ar -> {
          if (ar.succeeded()) {
            req.reply(ar.result());
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
    vertx.eventBus().send(StorageMessages.REBUILD_TREES, new RangeTrees(v.ring(), config.replicationFactor(), config.nodeId()));
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
    enqueue(List.of(peer), null, throttle).onFailure(err -> log.trace(() -> "[ANTI-ENTROPY] round skipped: " + err.getMessage()));
  }

  private Future<JsonObject> repairNow(String peer, String progressAddress, Throttle pace) {
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

  private Future<JsonObject> enqueue(List<String> targets, String progressAddress, Throttle pace) {
    Future<JsonObject> session = tail.transform(ignored -> {
      busy = true;
      return syncAll(targets, progressAddress, pace);
    }).andThen(ar -> busy = false);
    tail = session;
    return session;
  }

  private Future<JsonObject> syncAll(List<String> targets, String progressAddress, Throttle pace) {
    RangeTrees t = trees.get();
    if (t == null || !t.ready()) {
      return Future.failedFuture("Merkle trees are still being built (" + (t == null ? 0 : t.rowsScanned()) + " rows scanned); try again shortly");
    }
    long t0 = System.nanoTime();
    log.trace(() -> "[ANTI-ENTROPY] round start with " + targets + ", ring " + Long.toHexString(t.fingerprint()));
    JsonObject totals = new JsonObject().put("peers", new JsonArray(targets)).put("peersTotal", targets.size()).put("peersDone", 0)
        .put("rangesCompared", 0).put("rangesDiffering", 0).put("leavesDiffering", 0L).put("rowsPulled", 0L)
        .put("rowsPushed", 0L).put("bytes", 0L).put("failed", new JsonArray());
    Future<Void> chain = Future.succeededFuture();
    for (String peer : targets) {
      chain = chain.compose(v -> syncWith(t, peer, totals, progressAddress, t0, pace).transform(ar -> {
        if (ar.failed()) {
          log.trace(() -> "[ANTI-ENTROPY] " + peer + " skipped: " + ar.cause().getMessage());
          totals.getJsonArray("failed").add(peer + ": " + ar.cause().getMessage());
        }
        totals.put("peersDone", totals.getInteger("peersDone") + 1);
        return Future.succeededFuture();
      }));
    }
    return chain.map(v -> {
      long millis = (System.nanoTime() - t0) / 1_000_000;
      totals.put("millis", millis).put("rows", totals.getLong("rowsPulled") + totals.getLong("rowsPushed")).put("done", true);
      log.trace(() -> "[ANTI-ENTROPY] round done: " + totals.getLong("rows") + " rows repaired ("
          + totals.getLong("rowsPulled") + " pulled, " + totals.getLong("rowsPushed") + " pushed), "
          + totals.getLong("bytes") + " bytes in " + millis + " ms");
      if (progressAddress != null) {
        vertx.eventBus().send(progressAddress, totals.copy());
      }
      return totals;
    });
  }

  private Future<Void> syncWith(RangeTrees t, String peer, JsonObject totals, String progressAddress, long t0, Throttle pace) {
    Member m = view.get().member(peer);
    if (m == null) {
      return Future.failedFuture("no address known");
    }
    SocketAddress remote = PeerClients.address(m.peerAddress());
    long purgeable = Versions.fromMillis(System.currentTimeMillis() - config.tombstoneGraceMs());
    JsonObject before = totals.copy();
    PeerSync sync = new PeerSync(vertx, t, peer, peers, remote, storage, pace, purgeable, config.writeBatchMax(),
        Math.max(1, config.maxMessageBytes() / 2), tally -> {
          merge(before, tally, totals);
          if (progressAddress != null) {
            vertx.eventBus().send(progressAddress, totals.copy().put("peer", peer)
                .put("millis", (System.nanoTime() - t0) / 1_000_000));
          }
        }, log);
    return sync.run().andThen(ar -> {
      PeerSync.Tally tally = sync.tally();
      merge(before, tally, totals);
      metrics.antiEntropyRound(tally.rowsMoved(), tally.bytes, tally.leavesDiffering);
      if (ar.succeeded()) {
        log.trace(() -> "[ANTI-ENTROPY] " + peer + ": " + tally.rowsPulled + " rows pulled, " + tally.rowsPushed
            + " pushed, " + tally.leavesDiffering + " leaves differed, " + tally.bytes + " bytes, " + tally.millis() + " ms");
      }
    }).mapEmpty();
  }

  private static void merge(JsonObject before, PeerSync.Tally t, JsonObject totals) {
    totals.put("rangesCompared", before.getInteger("rangesCompared") + t.rangesCompared)
        .put("rangesDiffering", before.getInteger("rangesDiffering") + t.rangesDiffering)
        .put("leavesDiffering", before.getLong("leavesDiffering") + t.leavesDiffering)
        .put("rowsPulled", before.getLong("rowsPulled") + t.rowsPulled)
        .put("rowsPushed", before.getLong("rowsPushed") + t.rowsPushed)
        .put("bytes", before.getLong("bytes") + t.bytes);
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
