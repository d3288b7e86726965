package kvstore.repair;

import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import kvstore.log.EventLog;
import kvstore.rpc.RpcCall;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.storage.Storage;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One anti-entropy session with one peer over the ranges both replicate. Root hashes first, then
 * the 16 middle nodes under each differing root, then the 16 leaves under each differing middle
 * node; then, leaf batch by leaf batch, the peer's (key, version, hash) digests against this node's
 * rows, and only the rows that differ travel, each way, applied with last-write-wins. Identical
 * replicas cost one round trip of root hashes. The leaf batches, the pulls and the pushes are
 * RxJava streams with backpressure: each step starts once the one before it is written.
 */
final class PeerSync {
  private static final int NODES_PER_CALL = 4096;
  private static final int LEAVES_PER_CALL = 32;
  private static final int KEYS_PER_FETCH = 500;

  /** Totals of a session so far; read by progress reports. */
  static final class Tally {
    final String peer;
    final long startedNanos = System.nanoTime();
    int rangesCompared;
    int rangesDiffering;
    long leavesDiffering;
    long rowsCompared;
    long rowsPulled;
    long rowsPushed;
    long bytes;

    Tally(String peer) {
      this.peer = peer;
    }

    long millis() {
      return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    long rowsMoved() {
      return rowsPulled + rowsPushed;
    }
  }

  private record TreeNode(int range, int level, int index) {
  }

  private final Vertx vertx;
  private final RangeTrees trees;
  private final GrpcClient client;
  private final SocketAddress remote;
  private final Storage storage;
  private final Throttle throttle;
  private final long purgeableBelowVersion;
  private final int batchRows;
  private final long batchBytes;
  private final Consumer<Tally> progress;
  private final EventLog log;
  private final Tally tally;

  PeerSync(Vertx vertx, RangeTrees trees, String peer, GrpcClient client, SocketAddress remote, Storage storage, Throttle throttle,
           long purgeableBelowVersion, int batchRows, long batchBytes, Consumer<Tally> progress, EventLog log) {
    this.vertx = vertx;
    this.trees = trees;
    this.client = client;
    this.remote = remote;
    this.storage = storage;
    this.throttle = throttle;
    this.purgeableBelowVersion = purgeableBelowVersion;
    this.batchRows = batchRows;
    this.batchBytes = batchBytes;
    this.progress = progress;
    this.log = log;
    this.tally = new Tally(peer);
  }

  Tally tally() {
    return tally;
  }

  Future<Tally> run() {
    List<Integer> shared = trees.sharedWith(tally.peer);
    tally.rangesCompared = shared.size();
    List<TreeNode> roots = new ArrayList<>(shared.size());
    for (int r : shared) {
      roots.add(new TreeNode(r, 0, 0));
    }
    return differing(roots).compose(diffRoots -> {
      tally.rangesDiffering = diffRoots.size();
      log.event(() -> "[ANTI-ENTROPY] " + tally.peer + ": " + diffRoots.size() + " of " + shared.size() + " shared ranges differ"
          + (diffRoots.isEmpty() ? "" : " " + ranges(diffRoots)));
      progress.accept(tally);
      return differing(children(diffRoots));
    }).compose(diffMiddle -> differing(children(diffMiddle))).compose(diffLeaves -> {
      tally.leavesDiffering = diffLeaves.size();
      if (!diffLeaves.isEmpty()) {
        log.event(() -> "[ANTI-ENTROPY] " + tally.peer + ": " + diffLeaves.size() + " Merkle leaves differ");
      }
      progress.accept(tally);
      // a stream of leaf batches with backpressure: the next batch's digests are asked for only
      // once the rows of the last one were pulled, written and pushed
      List<List<TreeNode>> batches = new ArrayList<>();
      for (int i = 0; i < diffLeaves.size(); i += LEAVES_PER_CALL) {
        batches.add(diffLeaves.subList(i, Math.min(diffLeaves.size(), i + LEAVES_PER_CALL)));
      }
      return done(Flowable.fromIterable(batches).concatMapCompletable(batch -> completable(exchange(batch))));
    }).map(v -> tally);
  }

  private static List<Integer> ranges(List<TreeNode> nodes) {
    List<Integer> out = new ArrayList<>();
    for (TreeNode n : nodes.subList(0, Math.min(nodes.size(), 16))) {
      out.add(n.range());
    }
    return out;
  }

  private static List<TreeNode> children(List<TreeNode> parents) {
    List<TreeNode> out = new ArrayList<>(parents.size() * MerkleTree.FANOUT);
    for (TreeNode p : parents) {
      for (int c : MerkleTree.children(p.level(), p.index())) {
        out.add(new TreeNode(p.range(), p.level() + 1, c));
      }
    }
    return out;
  }

  /** The nodes whose hash differs from the peer's, asked in calls of at most {@value #NODES_PER_CALL}. */
  private Future<List<TreeNode>> differing(List<TreeNode> nodes) {
    List<TreeNode> out = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < nodes.size(); i += NODES_PER_CALL) {
      List<TreeNode> part = nodes.subList(i, Math.min(nodes.size(), i + NODES_PER_CALL));
      chain = chain.compose(v -> differingPart(part, out));
    }
    return chain.map(v -> out);
  }

  private Future<Void> differingPart(List<TreeNode> part, List<TreeNode> out) {
    ReplicaProto.MerkleNodesRequest.Builder req = ReplicaProto.MerkleNodesRequest.newBuilder().setRing(trees.fingerprint());
    for (TreeNode n : part) {
      req.addNodes(ReplicaProto.TreeNode.newBuilder().setRange(n.range()).setLevel(n.level()).setIndex(n.index()));
    }
    ReplicaProto.MerkleNodesRequest msg = req.build();
    // inner hashes are a few hundred thousand small hashes for a whole node: off the event loop
    Future<long[]> mine = vertx.executeBlocking(() -> {
      long[] h = new long[part.size()];
      for (int i = 0; i < h.length; i++) {
        TreeNode n = part.get(i);
        h[i] = trees.tree(n.range()).node(n.level(), n.index());
      }
      return h;
    }, false);
    return Future.all(mine, RpcCall.unary(client, remote, ReplicaGrpcClient.MerkleNodes, msg)).map(both -> {
      long[] local = both.resultAt(0);
      ReplicaProto.MerkleNodesResponse theirs = both.resultAt(1);
      tally.bytes += msg.getSerializedSize() + theirs.getSerializedSize();
      if (theirs.getHashesCount() != part.size()) {
        throw new IllegalStateException(tally.peer + " answered " + theirs.getHashesCount() + " hashes for " + part.size() + " tree nodes");
      }
      for (int i = 0; i < local.length; i++) {
        if (local[i] != theirs.getHashes(i)) {
          out.add(part.get(i));
        }
      }
      return null;
    });
  }

  /** Digests of a batch of differing leaves against this node's rows; then only differing rows move. */
  private Future<Void> exchange(List<TreeNode> leaves) {
    ReplicaProto.LeafDigestsRequest.Builder req = ReplicaProto.LeafDigestsRequest.newBuilder().setRing(trees.fingerprint());
    List<long[]> bounds = new ArrayList<>(leaves.size());
    for (TreeNode l : leaves) {
      req.addLeaves(ReplicaProto.LeafRef.newBuilder().setRange(l.range()).setLeaf(l.index()));
      bounds.add(trees.tree(l.range()).leafBounds(l.index()));
    }
    ReplicaProto.LeafDigestsRequest msg = req.build();
    tally.bytes += msg.getSerializedSize();
    List<KeyDigest> all = new ArrayList<>();
    Future<List<KeyDigest>> theirs = RpcCall.stream(client, remote, ReplicaGrpcClient.LeafDigests, msg, b -> {
      tally.bytes += b.getSerializedSize();
      for (int i = 0; i < b.getKeysCount(); i++) {
        all.add(new KeyDigest(b.getKeys(i), b.getVersions(i), b.getTombstones(i), i < b.getExpiresCount() ? b.getExpires(i) : 0,
            b.getHashes(i)));
      }
    }).map(v -> all);
    Future<List<Versioned>> mine = storage.tokenRanges(bounds);
    return Future.all(mine, theirs).compose(both -> {
      List<Versioned> local = both.resultAt(0);
      List<KeyDigest> remoteDigests = both.resultAt(1);
      LeafExchange x = LeafExchange.between(local, remoteDigests, purgeableBelowVersion);
      tally.rowsCompared += local.size() + remoteDigests.size();
      long work = local.size() + remoteDigests.size() + x.pull().size() + x.push().size();
      if (!x.pull().isEmpty() || !x.push().isEmpty()) {
        log.event(() -> "[ANTI-ENTROPY] " + tally.peer + ": " + leaves.size() + " leaves, pulling " + x.pull().size()
            + ", pushing " + x.push().size());
      }
      return pause(throttle.acquire(work, System.nanoTime())).compose(v -> pull(x.pull())).compose(v -> push(x.push()));
    }).onSuccess(v -> progress.accept(tally));
  }

  private Future<Void> pause(long ms) {
    if (ms <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, t -> p.complete());
    return p.future();
  }

  /** The rows this node lacks, fetched in requests of {@value #KEYS_PER_FETCH} keys, each written here before the next is asked. */
  private Future<Void> pull(List<String> keys) {
    List<ReplicaProto.FetchRowsRequest> requests = new ArrayList<>();
    for (int i = 0; i < keys.size(); i += KEYS_PER_FETCH) {
      requests.add(ReplicaProto.FetchRowsRequest.newBuilder().addAllKeys(keys.subList(i, Math.min(keys.size(), i + KEYS_PER_FETCH))).build());
    }
    return done(Flowable.fromIterable(requests)
        .concatMapSingle(req -> single(fetch(req)))
        .concatMapCompletable(rows -> completable(writeLocally(rows).map(v -> {
          tally.rowsPulled += rows.size();
          return null;
        }))));
  }

  private Future<List<Versioned>> fetch(ReplicaProto.FetchRowsRequest req) {
    tally.bytes += req.getSerializedSize();
    List<Versioned> rows = new ArrayList<>();
    return RpcCall.stream(client, remote, ReplicaGrpcClient.FetchRows, req, r -> {
      tally.bytes += r.getSerializedSize();
      rows.add(RemoteReplica.fromRow(r));
    }).map(x -> rows);
  }

  private Future<Void> writeLocally(List<Versioned> rows) {
    return done(Flowable.fromIterable(batches(rows)).concatMapCompletable(batch -> completable(storage.write(batch))));
  }

  /** The rows the peer lacks, in batches that each fit one message, one Write at a time. */
  private Future<Void> push(List<Versioned> rows) {
    return done(Flowable.fromIterable(batches(rows)).concatMapCompletable(batch -> {
      ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
      for (Versioned r : batch) {
        b.addRows(RemoteReplica.toRow(r, false));
      }
      ReplicaProto.WriteBatch msg = b.build();
      return completable(RpcCall.unary(client, remote, ReplicaGrpcClient.Write, msg).map(r -> {
        tally.bytes += msg.getSerializedSize() + r.getSerializedSize();
        tally.rowsPushed += batch.size();
        return r;
      }));
    }));
  }

  private static <T> Single<T> single(Future<T> f) {
    return Single.fromCompletionStage(f.toCompletionStage());
  }

  private static Completable completable(Future<?> f) {
    return Completable.fromCompletionStage(f.toCompletionStage());
  }

  /** The stream as a future that completes on this verticle's context. */
  private Future<Void> done(Completable c) {
    return Future.fromCompletionStage(c.toCompletionStage(null), vertx.getOrCreateContext()).mapEmpty();
  }

  /** Batches bounded by row count and by bytes, so each fits one gRPC message and one transaction. */
  private List<List<Versioned>> batches(List<Versioned> rows) {
    List<List<Versioned>> out = new ArrayList<>();
    List<Versioned> cur = new ArrayList<>();
    long bytes = 0;
    for (Versioned r : rows) {
      long size = r.value().length + r.key().length() * 3L + 32;
      if (!cur.isEmpty() && (cur.size() >= batchRows || bytes + size > batchBytes)) {
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
}
