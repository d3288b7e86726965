package kvstore.replication;

import io.vertx.core.Future;
import kvstore.version.Versioned;

/**
 * One replica of a key as the coordinator sees it: this node's own storage or a peer over gRPC.
 * The coordinator treats both the same way (and tests substitute failing ones).
 */
public interface Replica {
  String nodeId();

  /**
   * Applies the row with last-write-wins and answers the version stored for the key afterwards.
   * {@code clockStamped} marks versions this cluster's clock produced (the coordinator may retry
   * those with a later stamp when the answer shows a newer version was already stored).
   */
  Future<Long> write(Versioned row, boolean clockStamped);

  /** The stored row (tombstones included), or null when the replica never saw the key. */
  Future<Versioned> read(String key);

  /** One acceptor step of compare-and-set on this replica, stored durably before it answers. */
  Future<kvstore.paxos.PaxosAnswer> paxos(kvstore.paxos.PaxosCall call);
}
