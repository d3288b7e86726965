package kvstore.api;

import com.google.protobuf.ProtocolStringList;
import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;

/**
 * Replica I/O for coordinators: {@code Write}, {@code Read} and {@code ReadMany} on this node's
 * storage, every row checked like a client write and every answer carrying this node's clock.
 */
final class ReplicaRows {
  private static final ReplicaProto.ReadResult DEFERRED = ReplicaProto.ReadResult.newBuilder().setDeferred(true).build();
  private final Storage storage;
  private final HybridLogicalClock clock;
  private final RequestLimits limits;
  /** A ReadMany answer's budget for rows: the rows past it are deferred (the caller asks again). */
  private final long readBatchBytes;
  private final EventLog log;

  ReplicaRows(Storage storage, HybridLogicalClock clock, RequestLimits limits, long readBatchBytes, EventLog log) {
    this.storage = storage;
    this.clock = clock;
    this.limits = limits;
    this.readBatchBytes = readBatchBytes;
    this.log = log;
  }

  public Future<ReplicaProto.WriteResult> write(ReplicaProto.WriteBatch req) {
    if (req.getRowsCount() == 0) {
      return Future.failedFuture(RequestLimits.invalid("write batch is empty"));
    }
    List<Versioned> rows = new ArrayList<>(req.getRowsCount());
    return GrpcErrors.afterChecks(() -> {
      for (ReplicaProto.Row r : req.getRowsList()) {
        limits.checkRow(r);
        if (r.getClockStamped()) {
          clock.observe(r.getVersion());
        }
        rows.add(RemoteReplica.fromRow(r));
      }
    }, () -> {
      return GrpcErrors.mapped(storage.write(rows).map(stored -> {
        ReplicaProto.WriteResult.Builder b = ReplicaProto.WriteResult.newBuilder().setClock(clock.peek());
        for (long s : stored) {
          b.addStoredVersions(s);
        }
        return b.build();
      }), "replica write", log);
    });
  }

  /** Rows a page of a range stream holds at most; and bytes, so one page always fits in a message. */
  static final int MAX_SCAN_ROWS = 1024;

  public Future<ReplicaProto.RowPage> scanRange(ReplicaProto.ScanRangeRequest req) {
    if (req.getFirst() > req.getLast()) {
      return Future.failedFuture(RequestLimits.invalid("first (" + req.getFirst() + ") must not exceed last (" + req.getLast() + ")"));
    }
    if (req.getLimit() < 1 || req.getLimit() > MAX_SCAN_ROWS) {
      return Future.failedFuture(RequestLimits.invalid("limit must be 1.." + MAX_SCAN_ROWS + ", got " + req.getLimit()));
    }
    kvstore.storage.TokenScan from = kvstore.storage.TokenScan.from(req.getFirst(), req.getLast(), req.getLimit());
    return GrpcErrors.afterChecks(() -> {
      if (req.getHasAfter()) {
        limits.checkKey(req.getAfterKeyBytes());
      }
    }, () -> scanPage(req.getHasAfter() ? from.after(req.getAfterToken(), req.getAfterKey()) : from));
  }

  private Future<ReplicaProto.RowPage> scanPage(kvstore.storage.TokenScan scan) {
    return GrpcErrors.mapped(storage.scan(scan).map(rows -> {
      ReplicaProto.RowPage.Builder b = ReplicaProto.RowPage.newBuilder();
      long bytes = 0;
      for (Versioned v : rows) {
        bytes += v.key().length() + v.value().length;
        // the rest comes with the next page, which starts after the last row sent
        if (b.getRowsCount() > 0 && bytes > readBatchBytes) {
          break;
        }
        b.addRows(RemoteReplica.toRow(v, false));
      }
      return b.build();
    }), "scan range", log);
  }

  public Future<ReplicaProto.ReadResult> read(ReplicaProto.ReadRequest req) {
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
    }, () -> {
      return GrpcErrors.mapped(storage.read(req.getKey()).map(v -> readResult(v).setClock(clock.peek()).build()), "replica read", log);
    });
  }

  public Future<ReplicaProto.ReadBatchResult> readMany(ReplicaProto.ReadBatch req) {
    return GrpcErrors.afterChecks(() -> {
      checkKeys(limits, req.getKeysList(), 1, RemoteReplica.MAX_READ_KEYS, "a read batch");
    }, () -> {
      return GrpcErrors.mapped(readAll(storage, req.getKeysList()).map(rows -> {
        ReplicaProto.ReadBatchResult.Builder b = ReplicaProto.ReadBatchResult.newBuilder().setClock(clock.peek());
        long bytes = 0;
        for (Versioned row : rows) {
          ReplicaProto.ReadResult r = readResult(row).build();
          bytes += r.getSerializedSize();
          // the first row always goes: one value alone is within the message limit
          b.addResults(b.getResultsCount() > 0 && bytes > readBatchBytes ? DEFERRED : r);
        }
        return b.build();
      }), "replica read", log);
    });
  }

  /** A batch of keys within its size bounds, each key within the key limit; INVALID_ARGUMENT naming what is wrong otherwise. */
  static void checkKeys(RequestLimits limits, ProtocolStringList keys, int min, int max, String what) {
    if (keys.size() < min || keys.size() > max) {
      throw RequestLimits.invalid(what + " holds " + min + ".." + max + " keys, got " + keys.size());
    }
    keys.asByteStringList().forEach(limits::checkKey);
  }

  /** Each key's row (null when absent), in the keys' order. */
  static Future<List<Versioned>> readAll(Storage storage, List<String> keys) {
    List<Future<Versioned>> reads = new ArrayList<>(keys.size());
    keys.forEach(k -> reads.add(storage.read(k)));
    return Future.all(reads).map(all -> {
      List<Versioned> rows = new ArrayList<>(reads.size());
      reads.forEach(f -> rows.add(f.result()));
      return rows;
    });
  }

  private static ReplicaProto.ReadResult.Builder readResult(Versioned v) {
    ReplicaProto.ReadResult.Builder b = ReplicaProto.ReadResult.newBuilder();
    if (v != null) {
      b.setPresent(true).setRow(RemoteReplica.toRow(v, false));
    }
    return b;
  }

}
