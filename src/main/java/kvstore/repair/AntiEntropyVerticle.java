package kvstore.repair;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.membership.ClusterView;
import kvstore.membership.ViewSubscription;
import kvstore.membership.Member;
import kvstore.membership.Status;
import kvstore.metrics.NodeMetrics;
import kvstore.node.EventLog;
import kvstore.node.PeerClients;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.LocalReplica;
import kvstore.replication.RemoteReplica;
import kvstore.replication.ReplicaDirectory;
import kvstore.ring.Chunks;
import kvstore.storage.EventBusStorage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Anti-entropy at the prototype's level: every {@code antiEntropyIntervalMs} compare the 16 chunk
 * digests (over the keys both nodes replicate) with each live peer and exchange the rows of the
 * chunks that differ, in both directions, with last-write-wins. Its cost is a scan of every chunk
 * per peer per round; the Merkle-tree repair of issue 4 replaces the comparison behind this class.
 */
public final class AntiEntropyVerticle extends VerticleBase {
  /** Event-bus address that runs one round now and answers {rows, peers, millis}. */
  public static final String REPAIR_NOW = "kv.repair.now";

  private final NodeConfig config;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private ViewSubscription view;
  private EventBusStorage storage;
  private ReplicaDirectory directory;
  private GrpcClient peers;
  private long timerId = -1;
  private boolean running;

  private final NodeMetrics metrics;

  public AntiEntropyVerticle(NodeConfig config, HybridLogicalClock clock, NodeMetrics metrics, EventLog log) {
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, v -> { }).map(sub -> {
      view = sub;
      storage = new EventBusStorage(vertx.eventBus(), 60_000);
      peers = PeerClients.create(vertx, config);
      directory = new ReplicaDirectory(new LocalReplica(config.nodeId(), storage, clock), peers, clock, view);
      vertx.eventBus().consumer(REPAIR_NOW, req -> {
        if (running) {
          req.fail(409, "a repair round is already running on " + config.nodeId());
          return;
        }
        long t0 = System.nanoTime();
        List<String> peers = livePeers();
        round().onComplete(ar -> {
          if (ar.failed()) {
            req.fail(500, ar.cause().getMessage());
          } else {
            req.reply(new JsonObject().put("rows", ar.result()).put("peers", new JsonArray(peers))
                .put("millis", (System.nanoTime() - t0) / 1_000_000));
          }
        });
      });
      if (config.antiEntropyIntervalMs() > 0) {
        timerId = vertx.setPeriodic(config.antiEntropyIntervalMs(), t -> round());
      }
      return null;
    });
  }

  /** One round with every live peer, one peer at a time; a round still running skips the next tick. */
  public Future<Long> round() {
    if (running) {
      return Future.succeededFuture(0L);
    }
    running = true;
    List<String> targets = livePeers();
    log.trace(() -> "[ANTI-ENTROPY] round start with " + targets);
    long t0 = System.nanoTime();
    Future<Long> chain = Future.succeededFuture(0L);
    for (String peer : targets) {
      chain = chain.compose(total -> syncWith(peer).map(n -> total + n).recover(err -> {
        log.trace(() -> "[ANTI-ENTROPY] " + peer + " skipped: " + err.getMessage());
        return Future.succeededFuture(total);
      }));
    }
    return chain.onSuccess(metrics::antiEntropyRound).onSuccess(rows -> log.trace(() -> "[ANTI-ENTROPY] round done: " + rows + " rows exchanged in "
        + (System.nanoTime() - t0) / 1_000_000 + " ms")).eventually(() -> {
          running = false;
          return Future.succeededFuture();
        });
  }

  private List<String> livePeers() {
    List<String> targets = new ArrayList<>();
    for (Member m : view.get().members().values()) {
      if (!m.nodeId().equals(config.nodeId()) && m.status() == Status.UP) {
        targets.add(m.nodeId());
      }
    }
    return targets;
  }

  private Future<Long> syncWith(String peer) {
    RemoteReplica remote = directory.remote(peer);
    if (remote == null) {
      return Future.succeededFuture(0L);
    }
    ClusterView v = view.get();
    Predicate<String> shared = SharedKeys.between(v.ring(), config.replicationFactor(), config.nodeId(), peer);
    Future<ReplicaProto.DigestResponse> theirs = remote.client()
        .chunkDigests(ReplicaProto.DigestRequest.newBuilder().setPeerId(config.nodeId()).build());
    return theirs.compose(t -> {
      Future<Long> chain = Future.succeededFuture(0L);
      List<Integer> differing = new ArrayList<>();
      for (int c = 0; c < Chunks.COUNT; c++) {
        int chunk = c;
        byte[] their = t.getDigests(c).toByteArray();
        chain = chain.compose(n -> localRows(chunk, shared).compose(mine -> {
          if (Arrays.equals(mine.digest(), their)) {
            return Future.succeededFuture(n);
          }
          differing.add(chunk);
          return exchange(remote.client(), peer, chunk, mine.rows()).map(moved -> n + moved);
        }));
      }
      return chain.onSuccess(n -> {
        if (!differing.isEmpty()) {
          log.trace(() -> "[ANTI-ENTROPY] " + peer + ": chunks " + differing + " differed; " + n + " rows repaired");
        }
      });
    });
  }

  private record LocalChunk(List<Versioned> rows, byte[] digest) {
  }

  /** The chunk's shared rows and their digest, filtered and hashed off the event loop. */
  private Future<LocalChunk> localRows(int chunk, Predicate<String> shared) {
    return storage.chunk(chunk).compose(rows -> vertx.executeBlocking(() -> {
      List<Versioned> mine = rows.stream().filter(r -> shared.test(r.key())).collect(Collectors.toList());
      return new LocalChunk(mine, ChunkDigest.of(mine));
    }, false));
  }

  private Future<Long> exchange(ReplicaGrpcClient remote, String peer, int chunk, List<Versioned> mine) {
    return remote.fetchChunk(ReplicaProto.FetchChunkRequest.newBuilder().setChunkId(chunk).setPeerId(config.nodeId()).build())
        .compose(stream -> stream.collect(Collectors.mapping(RemoteReplica::fromRow, Collectors.toList())))
        .compose(theirs -> {
          ChunkExchange x = ChunkExchange.between(mine, theirs);
          log.trace(() -> "[ANTI-ENTROPY] " + peer + " chunk " + chunk + ": pulling " + x.pull().size() + ", pushing " + x.push().size());
          return applyLocally(x.pull()).compose(v -> push(remote, x.push())).map(v -> (long) x.pull().size() + x.push().size());
        });
  }

  private Future<Void> applyLocally(List<Versioned> rows) {
    Future<Void> chain = Future.succeededFuture();
    for (List<Versioned> batch : batches(rows)) {
      chain = chain.compose(v -> storage.write(batch).mapEmpty());
    }
    return chain;
  }

  private Future<Void> push(ReplicaGrpcClient remote, List<Versioned> rows) {
    Future<Void> chain = Future.succeededFuture();
    for (List<Versioned> batch : batches(rows)) {
      ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
      for (Versioned r : batch) {
        b.addRows(RemoteReplica.toRow(r, false));
      }
      ReplicaProto.WriteBatch msg = b.build();
      chain = chain.compose(v -> remote.write(msg).mapEmpty());
    }
    return chain;
  }

  /** Batches bounded by row count and by bytes, so each fits one gRPC message and one transaction. */
  private List<List<Versioned>> batches(List<Versioned> rows) {
    List<List<Versioned>> out = new ArrayList<>();
    List<Versioned> cur = new ArrayList<>();
    long bytes = 0;
    long maxBytes = Math.max(1, config.maxMessageBytes() / 2);
    for (Versioned r : rows) {
      long size = r.value().length + r.key().length() * 3L + 32;
      if (!cur.isEmpty() && (cur.size() >= config.writeBatchMax() || bytes + size > maxBytes)) {
        out.add(cur);
        cur = new ArrayList<>();
        bytes = 0;
      }
      cur.add(r);
      bytes += size;
    }
    if (!cur.isEmpty()) {
      out.add(cur);
    }
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
