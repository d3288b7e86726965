package kvstore.api;

import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.paxos.PaxosCall;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.PaxosWire;
import kvstore.replication.Replica;
import kvstore.paxos.PaxosAnswer;
import kvstore.replication.RemoteReplica;
import kvstore.version.HybridLogicalClock;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code Paxos} RPC: a coordinator's prepares, proposes and commits of one event-loop turn,
 * each checked like a replica write and run on this node's replica (whose own turn batching commits
 * them together); the answer carries this node's clock, and each ballot's time is observed, so the
 * next ballot this node makes is above it.
 */
final class PaxosAcceptor {
  private final Replica local;
  private final HybridLogicalClock clock;
  private final RequestLimits limits;
  private final EventLog log;

  PaxosAcceptor(Replica local, HybridLogicalClock clock, RequestLimits limits, EventLog log) {
    this.local = local;
    this.clock = clock;
    this.limits = limits;
    this.log = log;
  }

  Future<ReplicaProto.PaxosBatchAnswer> steps(ReplicaProto.PaxosBatch req) {
    List<PaxosCall> calls = new ArrayList<>(req.getCallsCount());
    return GrpcErrors.afterChecks(() -> {
      if (req.getCallsCount() < 1 || req.getCallsCount() > RemoteReplica.MAX_PAXOS_CALLS) {
        throw RequestLimits.invalid("a Paxos batch holds 1.." + RemoteReplica.MAX_PAXOS_CALLS + " calls, got " + req.getCallsCount());
      }
      for (ReplicaProto.PaxosCall c : req.getCallsList()) {
        calls.add(check(c));
      }
    }, () -> {
      List<Future<PaxosAnswer>> each = new ArrayList<>(calls.size());
      calls.forEach(c -> each.add(local.paxos(c)));
      return GrpcErrors.mapped(Future.all(each).map(all -> {
        ReplicaProto.PaxosBatchAnswer.Builder b = ReplicaProto.PaxosBatchAnswer.newBuilder();
        each.forEach(f -> b.addAnswers(PaxosWire.answer(f.result())));
        return b.setClock(clock.peek()).build();
      }), "paxos", log);
    });
  }

  /** A call a peer sent, checked like a replica write; INVALID_ARGUMENT naming what is wrong. */
  private PaxosCall check(ReplicaProto.PaxosCall req) {
    limits.checkKey(req.getKeyBytes());
    PaxosCall call = PaxosWire.call(req);
    if (call == null) {
      throw RequestLimits.invalid("phase must be 1 (prepare), 2 (propose) or 3 (commit), got " + req.getPhase());
    }
    limits.checkVersion(req.getBallot().getMicros());
    boolean carriesRow = call.phase() != PaxosCall.Phase.PREPARE;
    if (carriesRow != req.hasRow()) {
      throw RequestLimits.invalid(carriesRow ? "a propose or commit carries the proposed row" : "a prepare carries no row");
    }
    if (carriesRow) {
      ReplicaProto.Row r = req.getRow();
      if (!r.getKey().equals(req.getKey())) {
        throw RequestLimits.invalid("the row's key is not the call's key");
      }
      limits.checkRow(r);
      clock.observe(r.getVersion());
    }
    clock.observe(req.getBallot().getMicros());
    return call;
  }
}
