package kvstore.storage;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/**
 * Hinted handoff's durable queue, as the coordinator's hint sink, hint replay and decommission's
 * hand-off see it: writes a replica missed, per target, oldest first. {@link EventBusStorage}
 * implements it over the storage verticle, which keeps the queue in SQLite ({@link SqliteHints})
 * and applies maxHintsPerNode.
 */
public interface HintStore {
  /** Stores hints durably (at most maxHintsPerNode per target in all); answers how many were kept. */
  Future<Integer> addHints(List<Hint> hints);

  /** The oldest hints for one target. */
  Future<List<Hint>> hintsFor(String target, int limit);

  /** Deletes hints the target acknowledged. */
  Future<Void> dropHints(String target, List<Long> ids);

  /** Pending hints per target (only targets with some). */
  Future<Map<String, Long>> hintCounts();
}
