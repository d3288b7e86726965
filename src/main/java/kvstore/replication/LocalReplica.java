package kvstore.replication;

import io.vertx.core.Future;
import kvstore.storage.Storage;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.List;

/** This node's own storage as a replica. */
public final class LocalReplica implements Replica {
  private final String nodeId;
  private final Storage storage;
  private final HybridLogicalClock clock;

  public LocalReplica(String nodeId, Storage storage, HybridLogicalClock clock) {
    this.nodeId = nodeId;
    this.storage = storage;
    this.clock = clock;
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
    return storage.write(List.of(row)).map(v -> v[0]);
  }

  @Override
  public Future<Versioned> read(String key) {
    return storage.read(key);
  }
}
