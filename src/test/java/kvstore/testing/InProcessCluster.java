package kvstore.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.node.Node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * N nodes in one JVM on real loopback ports, each with its own Vertx (so its own event bus) and
 * data directory. Stopping a node closes its Vertx: sockets close and peers see it gone, as after a
 * crash, though without kill -9's lost page cache (the *IT tests use real processes for that).
 */
public final class InProcessCluster implements TestCluster {
  private final Path dataRoot;
  private final List<JsonObject> configs = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Vertx clientVertx = Vertx.vertx();
  private final Map<Integer, KvClient> clients = new java.util.concurrent.ConcurrentHashMap<>();

  public InProcessCluster(Path dataRoot, int n, BiConsumer<Integer, JsonObject> tweak) {
    this.dataRoot = dataRoot;
    List<Integer> peerPorts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peerPorts.add(Ports.free());
    }
    for (int i = 0; i < n; i++) {
      JsonArray seeds = new JsonArray();
      for (int p : peerPorts) {
        seeds.add("127.0.0.1:" + p);
      }
      JsonObject c = new JsonObject().put("nodeId", "node" + (i + 1)).put("host", "127.0.0.1")
          .put("grpcPort", Ports.free()).put("httpPort", Ports.free()).put("peerPort", peerPorts.get(i)).put("seeds", seeds)
          .put("insecure", true)
          .put("dataDir", dataRoot.resolve("node" + (i + 1)).toString()).put("replicationFactor", 3)
          .put("gossipIntervalMs", 200).put("antiEntropyIntervalMs", 0).put("grpcInstances", 1)
          .put("requestTimeoutMs", 1000);
      tweak.accept(i, c);
      configs.add(c);
      nodes.add(null);
    }
  }

  public InProcessCluster start() {
    for (int i = 0; i < configs.size(); i++) {
      start(i);
    }
    awaitMembership(configs.size());
    return this;
  }

  public Node start(int i) {
    NodeConfig config = NodeConfig.parse(configs.get(i), Map.of());
    NodeMetrics metrics = new NodeMetrics(config.nodeId());
    Vertx vertx = Node.newVertx(metrics, 2);
    Node node = within("node" + (i + 1) + " to start", Node.start(vertx, config, metrics));
    nodes.set(i, node);
    return node;
  }

  /** Stops node i abruptly from the peers' point of view (its sockets close). */
  public void stop(int i) {
    Node node = nodes.get(i);
    KvClient client = clients.remove(i);
    if (client != null) {
      client.close();
    }
    if (node != null) {
      within("node" + (i + 1) + " to stop", node.vertx().close());
      nodes.set(i, null);
    }
  }

  private static <T> T within(String what, io.vertx.core.Future<T> future) {
    try {
      return future.await(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("timed out after 60 s waiting for " + what);
    }
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  @Override
  public JsonObject config(int i) {
    return configs.get(i);
  }

  @Override
  public int size() {
    return configs.size();
  }

  @Override
  public KvClient client(int i) {
    // one connection per node, as a real client keeps, instead of one per call
    return clients.computeIfAbsent(i, n -> new KvClient(clientVertx, "127.0.0.1", configs.get(n).getInteger("grpcPort")));
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  @Override
  public JsonObject membership(int i) {
    return Http.getJson(clientVertx, configs.get(i).getInteger("httpPort"), "/v1/membership");
  }

  @Override
  public void crash(int i) {
    stop(i);
  }

  @Override
  public void restart(int i) {
    start(i);
  }

  @Override
  public void awaitUp(int count) {
    awaitMembership(count);
  }

  /** Waits until every running node lists {@code count} members UP. */
  public void awaitMembership(int count) {
    for (int i = 0; i < configs.size(); i++) {
      if (nodes.get(i) == null) {
        continue;
      }
      int idx = i;
      Await.until("node" + (i + 1) + " to see " + count + " members UP", Duration.ofSeconds(15), () ->
          membership(idx).getJsonArray("nodes").stream().filter(o -> "UP".equals(((JsonObject) o).getString("status"))).count() == count);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.size(); i++) {
      stop(i);
    }
    clientVertx.close().await();
  }
}
