package kvstore.streaming;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;
import kvstore.membership.Member;
import kvstore.membership.RingState;
import kvstore.membership.Status;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.rpc.PeerClients;
import kvstore.storage.EventBusStorage;
import kvstore.storage.TokenScan;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What every range movement is made of: announcing a state in gossip (answered once every live
 * member has heard it), waiting, and streaming token intervals from replicas to replicas
 * ({@link RangeStreamer}), this node's storage or a peer's on either side. Used from the move
 * verticle's event loop.
 */
final class MoveSteps {
  static final int PAGE_ROWS = 256;
  private static final int PARALLEL_RANGES = 4;
  private static final int MOVE_ATTEMPTS = 5;

  final NodeConfig config;
  final EventLog log;
  final Vertx vertx;
  final Supplier<ClusterView> view;
  final EventBusStorage storage;
  private final GrpcClient peers;
  private final Scheduler scheduler;

  MoveSteps(NodeConfig config, EventLog log, Vertx vertx, Supplier<ClusterView> view, EventBusStorage storage, GrpcClient peers,
            Scheduler scheduler) {
    this.config = config;
    this.log = log;
    this.vertx = vertx;
    this.view = view;
    this.storage = storage;
    this.peers = peers;
    this.scheduler = scheduler;
  }

  /**
   * How this node enters the ring (bootstrap, replace): once it met the cluster, it announces
   * {@code state} and waits until every member heard it and one requestTimeoutMs more (writes
   * coordinated before a node heard of it have had their time to finish), streams what
   * {@code transfers} computes from the view then, at least {@code needed} sources per interval,
   * and announces NORMAL, recorded in the data directory.
   */
  Future<String> enter(String tag, RingState state, java.util.function.Function<ClusterView, List<RangeMoves.Transfer>> transfers,
                       int needed, MoveStats stats) {
    Supplier<Future<Void>> move = () -> {
      log.info(tag + " announcing " + state + " to the cluster");
      return announce(state.name())
          .compose(x -> delay(config.requestTimeoutMs()))
          .compose(x -> {
            List<RangeMoves.Transfer> mine = transfers.apply(view.get());
            log.info(tag + " streaming " + mine.size() + " token ranges");
            return stream(mine, needed, stats);
          });
    };
    return meetCluster(tag, 0)
        .compose(x -> state == RingState.JOINING ? confirmed(tag, view.get().selfId(), move, 1) : move.get())
        .compose(x -> announce(RingState.NORMAL.name()))
        .compose(x -> RingStateFile.write(vertx, config, "NORMAL"))
        .map(x -> "this node is NORMAL and serves reads");
  }

  /**
   * Runs {@code move} (announce, wait, stream) of {@code mover}'s ranges, then has every member
   * confirm that no other move went first meanwhile ({@link GossipVerticle#CONFIRM}); when one did,
   * what was streamed may lack writes sent to the other move's ranges, so the move runs again (its
   * announcement waits until it goes first), up to {@value #MOVE_ATTEMPTS} times.
   */
  Future<Void> confirmed(String tag, String mover, Supplier<Future<Void>> move, int attempt) {
    return move.get().compose(x -> request(GossipVerticle.CONFIRM, mover)).<Void>mapEmpty().recover(err -> {
      if (err instanceof io.vertx.core.eventbus.ReplyException r && r.failureCode() == GossipVerticle.OVERTAKEN
          && attempt < MOVE_ATTEMPTS) {
        log.warn(tag + " " + r.getMessage() + "; streaming again once it is done (attempt " + (attempt + 1) + " of "
            + MOVE_ATTEMPTS + ")");
        return confirmed(tag, mover, move, attempt + 1);
      }
      return Future.failedFuture(err);
    });
  }

  /** Completes once gossip has met a NORMAL member; says every 10 s that it is still waiting. */
  Future<Void> meetCluster(String tag, int waitedSec) {
    ClusterView v = view.get();
    boolean met = v.members().values().stream()
        .anyMatch(m -> !m.nodeId().equals(v.selfId()) && m.status() == Status.UP && m.state() == RingState.NORMAL);
    if (met) {
      return Future.succeededFuture();
    }
    if (waitedSec > 0 && waitedSec % 10 == 0) {
      log.info(tag + " waiting " + waitedSec + " s to meet the cluster through the seeds " + config.seeds());
    }
    return delay(1000).compose(x -> meetCluster(tag, waitedSec + 1));
  }

  /**
   * Streams each transfer from its sources (each source in turn, at least {@code needed} of them) to
   * its targets, {@value #PARALLEL_RANGES} intervals at a time: an interval is often a few pages, and
   * each page waits for a durable write at the target, so one at a time would leave the disks idle.
   * The rate limit is shared by all of them.
   */
  Future<Void> stream(List<RangeMoves.Transfer> transfers, int needed, MoveStats current) {
    current.ranges(transfers.size());
    RangeStreamer streamer = new RangeStreamer(PAGE_ROWS, config.streamRowsPerSec(), System::nanoTime, scheduler);
    java.util.Iterator<RangeMoves.Transfer> next = transfers.iterator();
    long[] lastLog = {System.nanoTime()};
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < PARALLEL_RANGES; w++) {
      workers.add(worker(next, streamer, needed, lastLog, current));
    }
    return Future.all(workers).mapEmpty();
  }

  /** Takes the next transfer until none is left; the first failure stops this worker (and fails the move). */
  private Future<Void> worker(java.util.Iterator<RangeMoves.Transfer> next, RangeStreamer streamer, int needed, long[] lastLog,
                              MoveStats current) {
    if (!next.hasNext()) {
      return Future.succeededFuture();
    }
    RangeMoves.Transfer t = next.next();
    return transfer(streamer, t, Math.min(needed, t.sources().size()), current).compose(x -> {
      current.rangeDone();
      if (System.nanoTime() - lastLog[0] > 5_000_000_000L) {
        lastLog[0] = System.nanoTime();
        log.info("[MOVE] " + current.line());
      }
      return worker(next, streamer, needed, lastLog, current);
    });
  }

  private Future<Void> transfer(RangeStreamer streamer, RangeMoves.Transfer t, int needed, MoveStats current) {
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
        return Future.fromCompletionStage(rows.toCompletionStage(), vertx.getOrCreateContext()).transform(ar -> {
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

  RangeStreamer.RowSink sink(String node) {
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

  Future<Object> announce(String state) {
    return request(GossipVerticle.ANNOUNCE, state);
  }

  Future<Object> request(String address, String body) {
    // the gossip verticle answers once every member heard, or fails after its own deadline
    return vertx.eventBus().request(address, body, new DeliveryOptions().setSendTimeout(Math.max(60_000, 70L * config.gossipIntervalMs())))
        .map(Message::body);
  }

  Future<Void> delay(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), t -> p.complete());
    return p.future();
  }

}
