package kvstore.replication;

import io.vertx.core.Future;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * This node's own storage as a replica. The writes of one event-loop turn reach the storage
 * writer as one request ({@link TurnBatcher}), as a peer's do in one {@code Write} RPC: each
 * request is an event-bus message, a hop to the writer's thread and a reply, which cost more than
 * the row they carry.
 */
public final class LocalReplica implements Replica {
  private final String nodeId;
  private final Storage storage;
  private final HybridLogicalClock clock;
  private final TurnBatcher<Versioned, Long> writes;
  private final TurnBatcher<kvstore.paxos.PaxosCall, kvstore.paxos.PaxosAnswer> acceptor;

  /**
   * {@code batchBytes}: keys and values per storage request, a single row larger than it still goes
   * alone; {@code batchSizes} hears the rows of each request; {@code acceptor} runs a turn's
   * Paxos steps on the storage writer, one answer per step.
   */
  public LocalReplica(String nodeId, Storage storage, HybridLogicalClock clock, long batchBytes, IntConsumer batchSizes,
                      java.util.function.Function<List<kvstore.paxos.PaxosCall>, Future<List<kvstore.paxos.PaxosAnswer>>> acceptor) {
    this.nodeId = nodeId;
    this.acceptor = new TurnBatcher<>("local storage", RemoteReplica.MAX_PAXOS_CALLS, batchBytes, acceptor, n -> { });
    this.storage = storage;
    this.clock = clock;
    this.writes = new TurnBatcher<>("local storage", RemoteReplica.MAX_BATCH_ROWS, batchBytes, this::store, batchSizes);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<Long> write(Versioned row, boolean clockStamped) {
    if (clockStamped) {
      clock.observe(row.version());
    }
    return writes.add(row, row.key().length() + (long) row.value().length);
  }

  private Future<List<Long>> store(List<Versioned> rows) {
    return storage.write(rows).map(versions -> {
      List<Long> out = new ArrayList<>(versions.length);
      for (long v : versions) {
        out.add(v);
      }
      return out;
    });
  }

  @Override
  public Future<Versioned> read(String key) {
    return storage.read(key);
  }

  @Override
  public Future<kvstore.paxos.PaxosAnswer> paxos(kvstore.paxos.PaxosCall call) {
    return acceptor.add(call, call.key().length() + (call.row() == null ? 0L : call.row().value().length));
  }
}
