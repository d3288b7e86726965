package kvstore.testing;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/**
 * What a scenario needs of a cluster, whether its nodes run in this JVM ({@link InProcessCluster})
 * or as real processes ({@link ProcessCluster}), so one scenario runs on both (Ratis' test
 * suites over MiniRaftCluster are the model).
 */
public interface TestCluster extends AutoCloseable {
  int size();

  JsonObject config(int i);

  KvClient client(int i);

  /** Node i's {@code /v1/membership} JSON. */
  JsonObject membership(int i);

  /** Node i goes away abruptly, as its peers see it: a closed Vertx, or SIGKILL. */
  void crash(int i);

  /** Node i starts again with its config and data directory. */
  void restart(int i);

  /** Waits until every running node lists {@code count} members UP. */
  void awaitUp(int count);

  /** The status node {@code observer} gives {@code nodeId}, or ABSENT. */
  default String statusSeenBy(int observer, String nodeId) {
    return membership(observer).getJsonArray("nodes").stream().map(o -> (JsonObject) o)
        .filter(n -> n.getString("nodeId").equals(nodeId)).findFirst().map(n -> n.getString("status")).orElse("ABSENT");
  }

  /** The ring state (JOINING, NORMAL, LEAVING) node {@code observer} gives {@code nodeId}, or ABSENT. */
  default String stateSeenBy(int observer, String nodeId) {
    return membership(observer).getJsonArray("nodes").stream().map(o -> (JsonObject) o)
        .filter(n -> n.getString("nodeId").equals(nodeId)).findFirst().map(n -> n.getString("state")).orElse("ABSENT");
  }

  /** True when every chunk hash of node a equals node b's: the two hold the same rows. */
  default boolean sameChunks(int a, int b) {
    for (int chunk = 0; chunk < 16; chunk++) {
      if (!Arrays.equals(client(a).chunkHash(chunk), client(b).chunkHash(chunk))) {
        return false;
      }
    }
    return true;
  }

  @Override
  void close();
}
