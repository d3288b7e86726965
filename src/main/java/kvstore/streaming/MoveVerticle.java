package kvstore.streaming;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.rxjava3.core.RxHelper;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.membership.Member;
import kvstore.membership.RingState;
import kvstore.membership.Status;
import kvstore.membership.ViewSubscription;
import kvstore.quorum.Consistency;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.rpc.PeerClients;
import kvstore.security.ClusterTls;
import kvstore.storage.EventBusStorage;
import kvstore.storage.Hint;
import kvstore.storage.TokenScan;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Moves ranges when membership changes, one change at a time: {@link Bootstrap bootstrap} of this
 * node when it starts JOINING, decommission of this node, removenode of a dead one. Each move
 * announces itself in gossip and waits until every live member has heard it (so every coordinator
 * sends writes for the moving ranges to their future replicas too) before it streams, and
 * announces the new state once the rows are there. Progress is published on {@link #PROGRESS}.
 */
public final class MoveVerticle extends VerticleBase {
  public static final String DECOMMISSION = "kv.move.decommission";
  public static final String REMOVE_NODE = "kv.move.removenode";
  public static final String CLEANUP = "kv.move.cleanup";
  public static final String STATUS = "kv.move.status";
  /** Each move's progress (a serialized MoveProgress), about once a second and at its end. */
  public static final String PROGRESS = "kv.move.progress";
  private static final int PAGE_ROWS = 256;
  private static final long RETRY_MS = 5000;
  private static final int PARALLEL_RANGES = 4;

  private final NodeConfig config;
  private final ClusterTls tls;
  private final EventLog log;
  private final RingState initialState;
  private final Consumer<String> exit;
  private ViewSubscription view;
  private EventBusStorage storage;
  private GrpcClient peers;
  private Scheduler scheduler;
  private MoveStats current;
  private long progressTimer = -1;

  /** {@code exit}: called with a last line once this node has left the cluster (decommission). */
  public MoveVerticle(NodeConfig config, ClusterTls tls, EventLog log, RingState initialState, Consumer<String> exit) {
    this.config = config;
    this.tls = tls;
    this.log = log;
    this.initialState = initialState;
    this.exit = exit;
  }

  @Override
  public Future<?> start() {
    scheduler = RxHelper.scheduler(io.vertx.rxjava3.core.Context.newInstance(context));
    return ViewSubscription.subscribe(vertx, v -> { }).map(sub -> {
      view = sub;
      storage = new EventBusStorage(vertx.eventBus(), 60_000);
      peers = PeerClients.create(vertx, config, tls, Math.max(30_000, config.requestTimeoutMs()));
      vertx.eventBus().<String>consumer(DECOMMISSION, m -> run(m, "decommission", this::decommission));
      vertx.eventBus().<String>consumer(REMOVE_NODE, m -> run(m, "removenode", () -> removeNode(m.body())));
      vertx.eventBus().<String>consumer(CLEANUP, m -> run(m, "cleanup", this::cleanup));
      vertx.eventBus().consumer(STATUS, m -> m.reply(current == null ? null : current.toProto().toByteArray()));
      progressTimer = vertx.setPeriodic(1000, t -> {
        if (current != null && !current.done()) {
          publish();
        }
      });
      if (initialState == RingState.JOINING) {
        bootstrap();
      } else if (initialState == RingState.REPLACING) {
        replace();
      }
      return null;
    });
  }

  private void publish() {
    vertx.eventBus().publish(PROGRESS, current.toProto().toByteArray());
  }

  /** Starts a move asked for by an operator, unless one is already running; answers at once, progress follows on PROGRESS. */
  private void run(Message<String> m, String kind, java.util.function.Supplier<Future<String>> move) {
    String busy = busy();
    if (busy != null) {
      m.fail(409, kind + " refused: " + busy + "; one change to the ring at a time");
      return;
    }
    current = new MoveStats(kind);
    m.reply(true);
    publish();
    move.get().onComplete(ar -> {
      current.finish(ar.succeeded(), ar.succeeded() ? ar.result() : ar.cause().getMessage());
      log.info("[MOVE] " + current.line());
      publish();
    });
  }

  /** What keeps another change from starting now, or null. */
  private String busy() {
    if (current != null && !current.done()) {
      return "this node is running a " + current.kind();
    }
    for (Member m : view.get().members().values()) {
      if (m.status() != Status.LEFT && m.state() != RingState.NORMAL) {
        return "node " + m.nodeId() + " is " + m.state();
      }
    }
    return null;
  }

  // ---- bootstrap

  private void bootstrap() {
    current = new MoveStats("bootstrap");
    Bootstrap attempt = new Bootstrap();
    attempt.meetCluster(0).compose(v -> attempt.run()).onComplete(ar -> {
      if (ar.succeeded()) {
        current.finish(true, "this node is NORMAL and serves reads");
        log.info("[BOOTSTRAP] done: " + current.line());
        publish();
      } else {
        log.warn("[BOOTSTRAP] " + ar.cause().getMessage() + "; trying again in " + RETRY_MS / 1000 + " s");
        current.note(ar.cause().getMessage());
        vertx.setTimer(RETRY_MS, t -> bootstrap());
      }
    });
  }

  /**
   * Bootstrap of this node: once it met the cluster and every live member knows it is JOINING (and
   * sees no earlier move), it streams each range it will replicate from a quorum of that range's
   * current replicas (the first that answer, in preference-list order), so no write acknowledged
   * at QUORUM is missed, then announces NORMAL. Until then it is in no preference list for reads.
   */
  private final class Bootstrap {
    /** Completes once gossip has met a NORMAL member; says every 10 s that it is still waiting. */
    Future<Void> meetCluster(int waitedSec) {
      ClusterView v = view.get();
      boolean met = v.members().values().stream()
          .anyMatch(m -> !m.nodeId().equals(v.selfId()) && m.status() == Status.UP && m.state() == RingState.NORMAL);
      if (met) {
        return Future.succeededFuture();
      }
      if (waitedSec > 0 && waitedSec % 10 == 0) {
        log.info("[BOOTSTRAP] waiting " + waitedSec + " s to meet the cluster through the seeds " + config.seeds());
      }
      return delay(1000).compose(x -> meetCluster(waitedSec + 1));
    }

    Future<Void> run() {
      log.info("[BOOTSTRAP] announcing JOINING to the cluster");
      return announce(RingState.JOINING.name())
          // writes coordinated before a node heard of this one have had their time to finish
          .compose(x -> delay(config.requestTimeoutMs()))
          .compose(x -> {
            ClusterView now = view.get();
            if (!now.futureRing().nodes().contains(now.selfId())) {
              return Future.failedFuture(new IllegalStateException("another move is in progress"));
            }
            List<RangeMoves.Transfer> mine = new ArrayList<>();
            for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), config.replicationFactor())) {
              if (t.targets().contains(now.selfId())) {
                mine.add(new RangeMoves.Transfer(t.first(), t.last(), t.sources(), List.of(now.selfId())));
              }
            }
            int needed = Consistency.QUORUM.required(config.replicationFactor());
            log.info("[BOOTSTRAP] streaming " + mine.size() + " token ranges from their current replicas");
            return stream(mine, needed);
          })
          .compose(x -> announce(RingState.NORMAL.name()))
          .compose(x -> RingStateFile.write(vertx, config, "NORMAL"));
    }
  }

  // ---- replace

  /**
   * A fresh node under a dead node's id: once every live member has heard its new generation as
   * REPLACING (so they write to it but do not read from it), it streams every range of the dead
   * node from all the other replicas of that range (the dead node's copies are gone, so a write
   * acknowledged at QUORUM may be on one of them only), then announces NORMAL.
   */
  private void replace() {
    current = new MoveStats("replace");
    Bootstrap wait = new Bootstrap();
    wait.meetCluster(0)
        .compose(x -> {
          log.info("[REPLACE] announcing REPLACING: this node takes the place of the dead " + config.nodeId());
          return announce(RingState.REPLACING.name());
        })
        .compose(x -> delay(config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = view.get();
          List<RangeMoves.Transfer> mine = RangeMoves.replicatedBy(now.ring(), now.selfId(), config.replicationFactor());
          log.info("[REPLACE] streaming " + mine.size() + " token ranges from their other replicas");
          return stream(mine, Integer.MAX_VALUE);
        })
        .compose(x -> announce(RingState.NORMAL.name()))
        .compose(x -> RingStateFile.write(vertx, config, "NORMAL"))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            current.finish(true, "this node is NORMAL and serves reads");
            log.info("[REPLACE] done: " + current.line());
            publish();
          } else {
            log.warn("[REPLACE] " + ar.cause().getMessage() + "; trying again in " + RETRY_MS / 1000 + " s");
            vertx.setTimer(RETRY_MS, t -> replace());
          }
        });
  }

  // ---- decommission

  private Future<String> decommission() {
    ClusterView v = view.get();
    int after = v.ring().nodes().size() - 1;
    if (after < config.replicationFactor()) {
      return Future.failedFuture(new IllegalStateException("decommission would leave " + after + " node(s) for replicationFactor "
          + config.replicationFactor() + "; add a node first"));
    }
    log.info("[DECOMMISSION] announcing LEAVING to the cluster");
    return announce(RingState.LEAVING.name())
        .compose(x -> delay(config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = view.get();
          List<RangeMoves.Transfer> mine = new ArrayList<>();
          for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), config.replicationFactor())) {
            if (t.sources().contains(now.selfId())) {
              mine.add(new RangeMoves.Transfer(t.first(), t.last(), List.of(now.selfId()), t.targets()));
            }
          }
          log.info("[DECOMMISSION] streaming " + mine.size() + " token ranges to their next owners");
          return stream(mine, 1);
        })
        .compose(x -> handOffHints())
        .compose(n -> {
          log.info("[DECOMMISSION] handed off " + n + " hints; announcing LEFT");
          return announce(Status.LEFT.name());
        })
        .compose(x -> RingStateFile.write(vertx, config, "LEFT"))
        .map(x -> {
          // the answer to kvctl goes out first
          vertx.setTimer(500, t -> exit.accept("node " + config.nodeId() + " has left the cluster (decommissioned); "
              + "its dataDir can be wiped"));
          return "node " + config.nodeId() + " has left the cluster and stops";
        });
  }

  /**
   * Hints this node keeps for others go to their target when it is UP, else to the key's other
   * replicas after the move, as ordinary writes; either way they do not leave with this node.
   */
  private Future<Long> handOffHints() {
    return storage.hintCounts().compose(counts -> {
      Future<Long> chain = Future.succeededFuture(0L);
      for (String target : counts.keySet()) {
        chain = chain.compose(sum -> handOff(target).map(n -> sum + n));
      }
      return chain;
    });
  }

  private Future<Long> handOff(String target) {
    return storage.hintsFor(target, PAGE_ROWS).compose(hints -> {
      if (hints.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      ClusterView v = view.get();
      List<Future<Void>> writes = new ArrayList<>();
      List<Long> ids = new ArrayList<>();
      for (Hint h : hints) {
        ids.add(h.id());
        List<String> to = new ArrayList<>();
        if (v.isUp(target)) {
          to.add(target);
        } else {
          for (String n : v.futureRing().preferenceList(h.row().key(), config.replicationFactor())) {
            if (!n.equals(target) && !n.equals(v.selfId()) && v.isUp(n)) {
              to.add(n);
            }
          }
        }
        for (String n : to) {
          writes.add(sink(n).write(List.of(h.row())));
        }
      }
      return Future.all(writes).compose(x -> storage.dropHints(target, ids)).compose(x -> handOff(target).map(n -> n + hints.size()));
    });
  }

  // ---- removenode

  private Future<String> removeNode(String nodeId) {
    ClusterView v = view.get();
    Member dead = v.member(nodeId);
    if (dead == null) {
      return Future.failedFuture(new IllegalArgumentException("no member " + EventLog.quote(nodeId) + " in this cluster"));
    }
    if (!v.ring().nodes().contains(nodeId)) {
      return Future.failedFuture(new IllegalArgumentException("node " + nodeId + " is not in the ring"));
    }
    if (v.ring().nodes().size() - 1 < config.replicationFactor()) {
      return Future.failedFuture(new IllegalStateException("removing " + nodeId + " would leave " + (v.ring().nodes().size() - 1)
          + " node(s) for replicationFactor " + config.replicationFactor()));
    }
    log.info("[REMOVENODE] announcing " + nodeId + " LEAVING");
    return request(GossipVerticle.REMOVING, nodeId)
        .compose(x -> delay(config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = view.get();
          List<RangeMoves.Transfer> moves = new ArrayList<>();
          for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), config.replicationFactor())) {
            List<String> survivors = new ArrayList<>(t.sources());
            survivors.remove(nodeId);
            moves.add(new RangeMoves.Transfer(t.first(), t.last(), survivors, t.targets()));
          }
          log.info("[REMOVENODE] streaming " + moves.size() + " token ranges of " + nodeId + " from the surviving replicas");
          return stream(moves, 1);
        })
        .compose(x -> request(GossipVerticle.REMOVE, nodeId))
        .map(x -> "node " + nodeId + " is LEFT; its ranges have their replicas again");
  }

  // ---- cleanup

  /**
   * Deletes, page by page over the whole token space, the rows for which this node is in no
   * preference list, now or after a move; stops if a move starts meanwhile (its ranges would be
   * about to arrive here).
   */
  private Future<String> cleanup() {
    current.ranges(1);
    long[] scanned = {0};
    long[] deleted = {0};
    return cleanupFrom(TokenScan.from(Long.MIN_VALUE, Long.MAX_VALUE, PAGE_ROWS), scanned, deleted)
        .map(x -> {
          current.rangeDone();
          return "deleted " + deleted[0] + " of " + scanned[0] + " rows, which this node no longer replicates";
        });
  }

  private Future<Void> cleanupFrom(TokenScan scan, long[] scanned, long[] deleted) {
    ClusterView v = view.get();
    if (v.moving()) {
      return Future.failedFuture(new IllegalStateException("stopped: ranges started moving (" + busy() + ")"));
    }
    return storage.scan(scan).compose(rows -> {
      List<String> gone = new ArrayList<>();
      long bytes = 0;
      for (Versioned row : rows) {
        if (!v.ring().preferenceList(row.key(), config.replicationFactor()).contains(v.selfId())) {
          gone.add(row.key());
          bytes += row.key().length() + row.value().length;
        }
      }
      scanned[0] += rows.size();
      long freed = bytes;
      return storage.forget(gone).compose(n -> {
        deleted[0] += n;
        current.add(n, freed);
        current.note(scanned[0] + " rows scanned");
        if (rows.size() < scan.limit()) {
          return Future.succeededFuture();
        }
        Versioned last = rows.get(rows.size() - 1);
        return cleanupFrom(scan.after(kvstore.ring.Ring.token(last.key()), last.key()), scanned, deleted);
      });
    });
  }

  // ---- streaming

  /**
   * Streams each transfer from its sources (each source in turn, at least {@code needed} of them) to
   * its targets, {@link #PARALLEL_RANGES} intervals at a time: an interval is often a few pages, and
   * each page waits for a durable write at the target, so one at a time would leave the disks idle.
   * The rate limit is shared by all of them.
   */
  private Future<Void> stream(List<RangeMoves.Transfer> transfers, int needed) {
    current.ranges(transfers.size());
    RangeStreamer streamer = new RangeStreamer(PAGE_ROWS, config.streamRowsPerSec(), System::nanoTime, scheduler);
    java.util.Iterator<RangeMoves.Transfer> next = transfers.iterator();
    long[] lastLog = {System.nanoTime()};
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < PARALLEL_RANGES; w++) {
      workers.add(worker(next, streamer, needed, lastLog));
    }
    return Future.all(workers).mapEmpty();
  }

  /** Takes the next transfer until none is left; the first failure stops this worker (and fails the move). */
  private Future<Void> worker(java.util.Iterator<RangeMoves.Transfer> next, RangeStreamer streamer, int needed, long[] lastLog) {
    if (!next.hasNext()) {
      return Future.succeededFuture();
    }
    RangeMoves.Transfer t = next.next();
    return transfer(streamer, t, Math.min(needed, t.sources().size())).compose(x -> {
      current.rangeDone();
      if (System.nanoTime() - lastLog[0] > 5_000_000_000L) {
        lastLog[0] = System.nanoTime();
        log.info("[MOVE] " + current.line());
      }
      return worker(next, streamer, needed, lastLog);
    });
  }

  private Future<Void> transfer(RangeStreamer streamer, RangeMoves.Transfer t, int needed) {
    List<RangeStreamer.RowSink> sinks = new ArrayList<>();
    for (String target : t.targets()) {
      sinks.add(sink(target));
    }
    List<String> failures = new ArrayList<>();
    int[] copied = {0};
    Future<Void> chain = Future.succeededFuture();
    for (String source : t.sources()) {
      chain = chain.compose(x -> {
        if (copied[0] >= needed) {
          // enough: any write acknowledged by a quorum is on one of the replicas streamed from
          return Future.succeededFuture();
        }
        if (!source.equals(view.get().selfId()) && !view.get().isUp(source)) {
          failures.add(source + " is not UP");
          return Future.succeededFuture();
        }
        Single<Long> rows = streamer.copy(t.first(), t.last(), source(source), sinks, current);
        return Future.fromCompletionStage(rows.toCompletionStage(), context).transform(ar -> {
          if (ar.succeeded()) {
            copied[0]++;
          } else {
            failures.add(source + ": " + ar.cause().getMessage());
          }
          return Future.succeededFuture();
        });
      });
    }
    return chain.compose(x -> copied[0] >= needed ? Future.<Void>succeededFuture()
        : Future.failedFuture(new IllegalStateException("tokens [" + t.first() + ", " + t.last() + "]: streamed from " + copied[0]
            + " of the " + needed + " replicas needed (" + String.join("; ", failures) + ")")));
  }

  private RangeStreamer.RowSource source(String node) {
    if (node.equals(view.get().selfId())) {
      return storage::scan;
    }
    ReplicaGrpcClient client = client(node);
    return scan -> client.scanRange(request(scan)).map(page -> {
      List<Versioned> rows = new ArrayList<>(page.getRowsCount());
      for (ReplicaProto.Row r : page.getRowsList()) {
        rows.add(RemoteReplica.fromRow(r));
      }
      return rows;
    });
  }

  private static ReplicaProto.ScanRangeRequest request(TokenScan scan) {
    ReplicaProto.ScanRangeRequest.Builder b = ReplicaProto.ScanRangeRequest.newBuilder()
        .setFirst(scan.first()).setLast(scan.last()).setLimit(scan.limit());
    if (scan.afterKey() != null) {
      b.setHasAfter(true).setAfterToken(scan.afterToken()).setAfterKey(scan.afterKey());
    }
    return b.build();
  }

  private RangeStreamer.RowSink sink(String node) {
    if (node.equals(view.get().selfId())) {
      return rows -> storage.write(rows).mapEmpty();
    }
    ReplicaGrpcClient client = client(node);
    return rows -> {
      ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
      for (Versioned v : rows) {
        b.addRows(RemoteReplica.toRow(v, false));
      }
      return client.write(b.build()).mapEmpty();
    };
  }

  private ReplicaGrpcClient client(String node) {
    Member m = view.get().member(node);
    if (m == null) {
      throw new IllegalStateException("no address known for " + node);
    }
    return ReplicaGrpcClient.create(peers, PeerClients.address(m.peerAddress()));
  }

  private Future<Object> announce(String state) {
    return request(GossipVerticle.ANNOUNCE, state);
  }

  private Future<Object> request(String address, String body) {
    // the gossip verticle answers once every live member heard, or fails after its own deadline
    return vertx.eventBus().request(address, body, new DeliveryOptions().setSendTimeout(Math.max(60_000, 70L * config.gossipIntervalMs())))
        .map(Message::body);
  }

  private Future<Void> delay(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), t -> p.complete());
    return p.future();
  }

  @Override
  public Future<?> stop() {
    if (progressTimer >= 0) {
      vertx.cancelTimer(progressTimer);
    }
    return peers == null ? Future.succeededFuture() : peers.close();
  }
}
