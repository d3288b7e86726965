package kvstore.api;

import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.paxos.PaxosCall;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.PaxosWire;
import kvstore.replication.Replica;
import kvstore.version.HybridLogicalClock;

/**
 * The {@code Paxos} RPC: a coordinator's prepare, propose or commit for one key, checked like a
 * replica write and run on this node's replica; the answer carries this node's clock, and the
 * ballot's time is observed, so the next ballot this node makes is above it.
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

  Future<ReplicaProto.PaxosAnswer> step(ReplicaProto.PaxosCall req) {
    PaxosCall[] call = {null};
    return GrpcErrors.afterChecks(() -> {
      limits.checkKey(req.getKeyBytes());
      call[0] = PaxosWire.call(req);
      if (call[0] == null) {
        throw RequestLimits.invalid("phase must be 1 (prepare), 2 (propose) or 3 (commit), got " + req.getPhase());
      }
      limits.checkVersion(req.getBallot().getMicros());
      boolean carriesRow = call[0].phase() != PaxosCall.Phase.PREPARE;
      if (carriesRow != req.hasRow()) {
        throw RequestLimits.invalid(carriesRow ? "a propose or commit carries the proposed row" : "a prepare carries no row");
      }
      if (carriesRow) {
        ReplicaProto.Row r = req.getRow();
        if (!r.getKey().equals(req.getKey())) {
          throw RequestLimits.invalid("the row's key is not the call's key");
        }
        limits.checkValue(r.getValue());
        limits.checkVersion(r.getVersion());
        limits.checkExpiry(r.getExpiresAtMs());
        if (r.getTombstone() && !r.getValue().isEmpty()) {
          throw RequestLimits.invalid("a tombstone row carries no value");
        }
      }
      clock.observe(req.getBallot().getMicros());
      if (req.hasRow()) {
        clock.observe(req.getRow().getVersion());
      }
    }, () -> GrpcErrors.mapped(local.paxos(call[0]).map(a -> PaxosWire.answer(a, clock.peek())), "paxos " + call[0].phase(), log));
  }
}
