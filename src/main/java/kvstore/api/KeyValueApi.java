package kvstore.api;

import com.google.protobuf.UnsafeByteOperations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import kv.KeyValueService;
import kv.Kv;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.quorum.Consistency;
import kvstore.paxos.CasCondition;
import kvstore.replication.Coordinator;
import kvstore.replication.PaxosProposer;
import kvstore.ring.Chunks;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.StallDetector;
import kvstore.version.Versioned;
import kvstore.version.Versions;

import java.util.List;

/** The client API, {@code kv.KeyValue}, wire-compatible with the prototype. */
public final class KeyValueApi extends KeyValueService {
  private static final Kv.PutResponse OK = Kv.PutResponse.newBuilder().setOk(true).build();

  private final Vertx vertx;
  private final String nodeId;
  private final Coordinator coordinator;
  private final Storage storage;
  private final HybridLogicalClock clock;
  private final StallDetector stalls;
  private final RequestLimits limits;
  private final Consistency writeDefault;
  private final Consistency readDefault;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final PaxosProposer paxos;

  public KeyValueApi(Vertx vertx, String nodeId, Coordinator coordinator, PaxosProposer paxos, Storage storage, HybridLogicalClock clock,
                     StallDetector stalls, RequestLimits limits, Consistency writeDefault, Consistency readDefault, NodeMetrics metrics,
                     EventLog log) {
    this.paxos = paxos;
    this.stalls = stalls;
    this.metrics = metrics;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.coordinator = coordinator;
    this.storage = storage;
    this.clock = clock;
    this.limits = limits;
    this.writeDefault = writeDefault;
    this.readDefault = readDefault;
    this.log = log;
  }

  /** SERIAL is a read's (and CompareAndSet's own): a plain write at SERIAL would promise what it does not do. */
  private static void checkWriteConsistency(Kv.Consistency c) {
    if (c == Kv.Consistency.SERIAL) {
      throw RequestLimits.invalid("SERIAL applies to reads (Get, MultiGet) only; a conditional write is CompareAndSet");
    }
  }

  private static Consistency pick(Kv.Consistency c, Consistency dflt) {
    return switch (c) {
      case ONE -> Consistency.ONE;
      case QUORUM -> Consistency.QUORUM;
      case ALL -> Consistency.ALL;
      default -> dflt;
    };
  }

  /** Counts the call and its latency under the status it ended with. */
  private <T> Future<T> timed(String method, long startNanos, Future<T> result) {
    return result.andThen(ar -> metrics.rpc(method, ar.succeeded() ? "OK"
        : ar.cause() instanceof io.vertx.grpc.server.StatusException s ? s.status().name() : "UNKNOWN", System.nanoTime() - startNanos));
  }

  @Override
  public Future<Kv.PutResponse> put(Kv.PutRequest req) {
    return putVersion(req).map(v -> OK);
  }

  /** A put, answered with the version it wrote (in HLC ticks). */
  public Future<Long> putVersion(Kv.PutRequest req) {
    return timed("Put", System.nanoTime(), doPut(req));
  }

  private Future<Long> doPut(Kv.PutRequest req) {
    long[] version = {0};
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
      limits.checkValue(req.getValueBytes());
      limits.checkModifiedAt(req.getModifiedAt());
      limits.checkTimestampUs(req.getTimestampUs());
      limits.checkTtl(req.getTtlMs());
      checkWriteConsistency(req.getConsistency());
      version[0] = clientVersion(req.getTimestampUs(), req.getModifiedAt());
    }, () -> {
      String key = req.getKey();
      Consistency c = pick(req.getConsistency(), writeDefault);
      long expiresAt = req.getTtlMs() == 0 ? 0 : clock.wallMillis() + req.getTtlMs();
      log.trace(() -> "[WRITE] " + key + " (" + req.getValueBytes().size() + " bytes, " + c + ")");
      return GrpcErrors.mapped(coordinator.write(key, req.getValueBytes().toByteArray(), false, version[0], expiresAt, c), "put", log);
    });
  }

  @Override
  public Future<Kv.PutResponse> delete(Kv.DeleteRequest req) {
    return deleteVersion(req).map(v -> OK);
  }

  /** A delete, answered with the version of the tombstone it wrote (in HLC ticks). */
  public Future<Long> deleteVersion(Kv.DeleteRequest req) {
    return timed("Delete", System.nanoTime(), doDelete(req));
  }

  private Future<Long> doDelete(Kv.DeleteRequest req) {
    long[] version = {0};
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
      limits.checkModifiedAt(req.getModifiedAt());
      limits.checkTimestampUs(req.getTimestampUs());
      checkWriteConsistency(req.getConsistency());
      version[0] = clientVersion(req.getTimestampUs(), req.getModifiedAt());
    }, () -> {
      String key = req.getKey();
      Consistency c = pick(req.getConsistency(), writeDefault);
      log.trace(() -> "[DELETE] " + key + " (" + c + ")");
      return GrpcErrors.mapped(coordinator.write(key, null, true, version[0], c), "delete", log);
    });
  }

  /**
   * The version a client asked for (its microsecond stamp, else its millisecond modified_at), or 0
   * for "the coordinator stamps it", which is refused right after this node was stalled: the
   * request may have waited in the socket through the stall, past its client's deadline, and a
   * stamp taken now would rank it above writes acknowledged after that client gave up.
   */
  private long clientVersion(long timestampUs, long modifiedAtMs) {
    if (timestampUs > 0) {
      return timestampUs;
    }
    if (modifiedAtMs > 0) {
      return Versions.fromMillis(modifiedAtMs);
    }
    long stall = stalls.suspectStallMs(System.currentTimeMillis());
    if (stall > 0) {
      metrics.refused("stalled_stamp");
      throw new io.vertx.grpc.server.StatusException(GrpcStatus.UNAVAILABLE, "this node " + nodeId + " was stalled for " + stall
          + " ms just now (paused, frozen or starved), and a write without a client timestamp read now may have waited through it"
          + " past its client's deadline; retry, or send timestamp_us (microseconds since the epoch) with the write");
    }
    return 0;
  }

  @Override
  public Future<Kv.GetResponse> get(Kv.GetRequest req) {
    return timed("Get", System.nanoTime(), doGet(req));
  }

  private Future<Kv.GetResponse> doGet(Kv.GetRequest req) {
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
    }, () -> {
      String key = req.getKey();
      return GrpcErrors.mapped(read(key, req.getConsistency()).map(v -> {
        Kv.GetResponse.Builder b = Kv.GetResponse.newBuilder().setOwnId(nodeId);
        if (v != null && v.liveAt(clock.wallMillis())) {
          b.setFound(true).setValueBytes(UnsafeByteOperations.unsafeWrap(v.value())).setModifiedAt(Versions.toMillis(v.version()))
              .setExpiresAt(v.expiresAtMs());
        }
        return b.build();
      }), "get", log);
    });
  }

  @Override
  public Future<Kv.MultiGetResponse> multiGet(Kv.MultiGetRequest req) {
    return timed("MultiGet", System.nanoTime(), doMultiGet(req));
  }

  /**
   * Every key is read as Get reads it, all in this event-loop turn, so the reads of keys that share
   * a replica leave as one ReadMany to it (RemoteReplica's turn batching); a key's failure is its
   * own result, never the call's.
   */
  private Future<Kv.MultiGetResponse> doMultiGet(Kv.MultiGetRequest req) {
    return GrpcErrors.afterChecks(() -> limits.checkKeyCount(req.getKeysCount()), () -> {
      List<Future<Versioned>> reads = new java.util.ArrayList<>(req.getKeysCount());
      java.util.Map<String, Future<Versioned>> byKey = new java.util.HashMap<>();
      for (int i = 0; i < req.getKeysCount(); i++) {
        com.google.protobuf.ByteString keyBytes = req.getKeysBytes(i);
        String key = req.getKeys(i);
        Future<Versioned> read = byKey.get(key);
        if (read == null) {
          try {
            limits.checkKey(keyBytes);
            read = read(key, req.getConsistency());
          } catch (RuntimeException bad) {
            read = Future.failedFuture(bad);
          }
          byKey.put(key, read);
        }
        reads.add(read);
      }
      return Future.join(reads).transform(done -> {
        Kv.MultiGetResponse.Builder b = Kv.MultiGetResponse.newBuilder().setOwnId(nodeId);
        long budget = limits.batchAnswerBytes();
        long now = clock.wallMillis();
        for (int i = 0; i < reads.size(); i++) {
          String key = req.getKeys(i);
          Future<Versioned> r = reads.get(i);
          Kv.KeyResult.Builder k = Kv.KeyResult.newBuilder().setKey(key);
          budget -= req.getKeysBytes(i).size();
          if (r.failed()) {
            io.vertx.grpc.server.StatusException s = GrpcErrors.toStatus(r.cause(), "get", log);
            k.setStatus(s.status().code).setError(s.message() == null ? s.status().name() : s.message());
          } else if (r.result() != null && r.result().liveAt(now)) {
            Versioned v = r.result();
            budget -= v.value().length;
            if (budget < 0) {
              k.setStatus(GrpcStatus.RESOURCE_EXHAUSTED.code).setError("left out: the answer reached " + limits.batchAnswerBytes()
                  + " bytes (half the message limit); ask for this key again");
            } else {
              k.setFound(true).setValueBytes(UnsafeByteOperations.unsafeWrap(v.value()))
                  .setModifiedAt(Versions.toMillis(v.version())).setExpiresAt(v.expiresAtMs());
            }
          }
          b.addResults(k);
        }
        return Future.succeededFuture(b.build());
      });
    });
  }

  /** The key's newest row at the given consistency; SERIAL goes through Paxos (a linearizable read). */
  private Future<Versioned> read(String key, Kv.Consistency consistency) {
    if (consistency == Kv.Consistency.SERIAL) {
      return paxos.serialRead(key).map(PaxosProposer.Result::current);
    }
    return coordinator.read(key, pick(consistency, readDefault));
  }

  @Override
  public Future<Kv.CasResponse> compareAndSet(Kv.CasRequest req) {
    return timed("CompareAndSet", System.nanoTime(), doCompareAndSet(req));
  }

  private Future<Kv.CasResponse> doCompareAndSet(Kv.CasRequest req) {
    CasCondition[] condition = {null};
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
      limits.checkValue(req.getValueBytes());
      limits.checkValue(req.getExpectValueBytes());
      limits.checkTtl(req.getTtlMs());
      condition[0] = condition(req);
      if (req.getDelete() && (!req.getValue().isEmpty() || req.getTtlMs() != 0)) {
        throw RequestLimits.invalid("a delete carries no value and no ttl_ms");
      }
    }, () -> {
      String key = req.getKey();
      long expiresAt = req.getTtlMs() == 0 ? 0 : clock.wallMillis() + req.getTtlMs();
      Versioned proposal = req.getDelete() ? Versioned.tombstone(key, 0)
          : new Versioned(key, req.getValueBytes().toByteArray(), 0, false, expiresAt);
      log.trace(() -> "[CAS] " + key + " if " + condition[0]);
      return GrpcErrors.mapped(paxos.compareAndSet(condition[0], proposal).map(r -> {
        Kv.CasResponse.Builder b = Kv.CasResponse.newBuilder().setApplied(r.applied());
        Versioned v = r.current();
        if (v != null && (r.applied() || v.liveAt(clock.wallMillis()))) {
          b.setModifiedAt(Versions.toMillis(v.version()));
          if (!v.tombstone()) {
            b.setFound(true).setValueBytes(UnsafeByteOperations.unsafeWrap(v.value()));
          }
        }
        if (!r.applied()) {
          b.setMessage("condition not met (" + condition[0] + "): the key is " + (b.getFound() ? "at modified_at " + b.getModifiedAt() : "absent"));
        }
        return b.build();
      }), "compare-and-set", log);
    });
  }

  /** Exactly one condition: expect_absent, else expect_modified_at, else expect_value. */
  private static CasCondition condition(Kv.CasRequest req) {
    if (req.getExpectModifiedAt() < 0) {
      throw RequestLimits.invalid("expect_modified_at must be > 0 (a version a Get returned), got " + req.getExpectModifiedAt());
    }
    boolean byVersion = req.getExpectModifiedAt() > 0;
    boolean byValue = !req.getExpectValue().isEmpty();
    if (req.getExpectAbsent() && (byVersion || byValue)) {
      throw RequestLimits.invalid("expect_absent excludes expect_modified_at and expect_value: give exactly one condition");
    }
    if (byVersion && byValue) {
      throw RequestLimits.invalid("give exactly one condition: expect_modified_at or expect_value, not both");
    }
    if (req.getExpectAbsent()) {
      return new CasCondition.Absent();
    }
    return byVersion ? new CasCondition.ModifiedAt(req.getExpectModifiedAt()) : new CasCondition.Value(req.getExpectValueBytes().toByteArray());
  }

  /** The prototype's node-to-node call: applies the given version to this node's storage only. */
  @Override
  public Future<Kv.PutResponse> replicate(Kv.PutRequest req) {
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
      limits.checkValue(req.getValueBytes());
      limits.checkModifiedAt(req.getModifiedAt());
    }, () -> {
      long version = req.getModifiedAt() == 0 ? clock.now() : Versions.fromMillis(req.getModifiedAt());
      Versioned row = new Versioned(req.getKey(), req.getValueBytes().toByteArray(), version, false);
      return GrpcErrors.mapped(storage.write(List.of(row)).map(v -> OK), "replicate", log);
    });
  }

  @Override
  public Future<Kv.ChunkHashResponse> getChunkHash(Kv.ChunkRequest req) {
    if (!Chunks.valid(req.getChunkId())) {
      return Future.failedFuture(RequestLimits.invalid("chunk_id must be 0.." + (Chunks.COUNT - 1) + ", got " + req.getChunkId()));
    }
    // hashing a large chunk is CPU work: keep it off the event loop
    return GrpcErrors.mapped(storage.chunk(req.getChunkId())
        .compose(rows -> vertx.executeBlocking(() -> ChunkDigest.of(rows), false))
        .map(h -> Kv.ChunkHashResponse.newBuilder().setHash(UnsafeByteOperations.unsafeWrap(h)).build()), "GetChunkHash", log);
  }

  @Override
  protected void fetchRange(Kv.RangeRequest req, WriteStream<Kv.KeyValuePair> out) {
    GrpcServerResponse<?, Kv.KeyValuePair> resp = (GrpcServerResponse<?, Kv.KeyValuePair>) out;
    if (!Chunks.valid(req.getChunkId())) {
      resp.status(GrpcStatus.INVALID_ARGUMENT).statusMessage("chunk_id must be 0.." + (Chunks.COUNT - 1) + ", got " + req.getChunkId()).end();
      return;
    }
    storage.chunk(req.getChunkId()).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("FetchRange failed", ar.cause());
        resp.status(GrpcStatus.INTERNAL).statusMessage("FetchRange failed: " + GrpcErrors.reason(ar.cause())).end();
        return;
      }
      // live values only, as the prototype streamed them
      long now = clock.wallMillis();
      RowStreams.writeAll(ar.result().stream().filter(v -> v.liveAt(now)).iterator(),
          v -> Kv.KeyValuePair.newBuilder().setKey(v.key()).setValueBytes(UnsafeByteOperations.unsafeWrap(v.value()))
              .setModifiedAt(Versions.toMillis(v.version())).build(), out);
    });
  }
}
