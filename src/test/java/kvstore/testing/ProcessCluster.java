package kvstore.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import kvstore.cli.JvmFlags;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code java -jar target/node.jar} processes on loopback, one config file and log file each.
 * {@link #kill(int)} is SIGKILL, {@link #terminate(int)} is SIGTERM.
 */
public final class ProcessCluster implements TestCluster {
  private final Path dir;
  private final List<JsonObject> configs = new ArrayList<>();
  private final List<Process> processes = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<List<String>> prefixes = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<java.util.Map<String, String>> environments = java.util.Collections.synchronizedList(new ArrayList<>());
  private final io.vertx.core.Vertx clientVertx = io.vertx.core.Vertx.vertx();
  private final java.util.Map<Integer, KvClient> clients = new java.util.concurrent.ConcurrentHashMap<>();

  public ProcessCluster(Path dir, int n, java.util.function.BiConsumer<Integer, JsonObject> tweak) {
    this.dir = dir;
    List<Integer> peer = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peer.add(Ports.free());
    }
    for (int i = 0; i < n; i++) {
      JsonArray seeds = new JsonArray();
      peer.forEach(p -> seeds.add("127.0.0.1:" + p));
      JsonObject c = new JsonObject().put("nodeId", "node" + (i + 1)).put("host", "127.0.0.1")
          .put("grpcPort", Ports.free()).put("httpPort", Ports.free()).put("peerPort", peer.get(i)).put("seeds", seeds)
          .put("insecure", true)
          .put("dataDir", dir.resolve("data" + (i + 1)).toString()).put("replicationFactor", 3)
          .put("gossipIntervalMs", 250).put("antiEntropyIntervalMs", 0).put("requestTimeoutMs", 1500);
      tweak.accept(i, c);
      configs.add(c);
      processes.add(null);
      prefixes.add(List.of());
      environments.add(java.util.Map.of());
    }
  }

  /** Every node's seeds become the first {@code k} nodes: the others are not their own seeds, so they bootstrap. */
  public ProcessCluster seedsFirst(int k) {
    JsonArray seeds = new JsonArray();
    for (int i = 0; i < k; i++) {
      seeds.add(host(i) + ":" + configs.get(i).getInteger("peerPort"));
    }
    configs.forEach(c -> c.put("seeds", seeds.copy()));
    return this;
  }

  /** Starts node i and returns at once, without waiting for it to answer. */
  public Process launch(int i) {
    try {
      Path conf = dir.resolve("node" + (i + 1) + ".json");
      Files.writeString(conf, configs.get(i).encodePrettily());
      Process p = launch(prefixes.get(i), environments.get(i), dir.resolve("node" + (i + 1) + ".log"), "-conf", conf.toString());
      processes.set(i, p);
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String jar() {
    String jar = System.getProperty("kv.jar", "target/node.jar");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(jar + " is missing: run `mvn package` first (failsafe runs after it)");
    }
    return jar;
  }

  /** Binds node i to hosts[i] and points every seed list at those addresses. */
  public ProcessCluster withHosts(String... hosts) {
    JsonArray seeds = new JsonArray();
    for (int i = 0; i < configs.size(); i++) {
      configs.get(i).put("host", hosts[i]);
      seeds.add(hosts[i] + ":" + configs.get(i).getInteger("peerPort"));
    }
    configs.forEach(c -> c.put("seeds", seeds.copy()));
    return this;
  }

  /**
   * Makes the cluster secure the way a user would: the project's own {@code certs} command creates
   * the CA and one certificate per node (plus {@code kvctl}) in {@code certDir}, and every config
   * names them instead of saying insecure.
   */
  public ProcessCluster secure(Path certDir) {
    List<String> args = new ArrayList<>(List.of("certs", "--dir", certDir.toString()));
    for (JsonObject c : configs) {
      args.add(c.getString("nodeId"));
    }
    args.add("kvctl");
    runCerts(dir.resolve("certs.log"), args.toArray(new String[0]));
    for (JsonObject c : configs) {
      String id = c.getString("nodeId");
      c.remove("insecure");
      c.put("tlsCaFile", certDir.resolve("ca.pem").toString()).put("tlsCertFile", certDir.resolve(id + ".pem").toString())
          .put("tlsKeyFile", certDir.resolve(id + "-key.pem").toString());
    }
    return this;
  }

  /** Runs {@code node.jar certs ...} as its own process and waits for it to succeed. */
  public static void runCerts(Path logFile, String... args) {
    try {
      Process p = launch(logFile, args);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("certs failed: " + Files.readString(logFile));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs node i under a command prefix, e.g. {@code ip netns exec NS}; from its next start. */
  public void prefix(int i, List<String> prefix) {
    prefixes.set(i, prefix);
  }

  /** Runs node i with these environment variables added, e.g. libfaketime's; from its next start. */
  public void environment(int i, java.util.Map<String, String> env) {
    environments.set(i, java.util.Map.copyOf(env));
  }

  /** Deletes everything in node i's dataDir (a lost disk); the directory itself stays, as a mount point would. */
  public void wipe(int i) throws IOException {
    Path data = Path.of(configs.get(i).getString("dataDir"));
    if (!Files.isDirectory(data)) {
      return;
    }
    try (var files = Files.list(data)) {
      for (Path f : files.toList()) {
        try (var tree = Files.walk(f)) {
          for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  public static Process launch(Path logFile, String... args) throws IOException {
    return launch(List.of(), java.util.Map.of(), logFile, args);
  }

  public static Process launch(List<String> prefix, Path logFile, String... args) throws IOException {
    return launch(prefix, java.util.Map.of(), logFile, args);
  }

  public static Process launch(List<String> prefix, java.util.Map<String, String> env, Path logFile, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
    cmd.addAll(JvmFlags.forJava(Runtime.version().feature()));
    cmd.addAll(List.of("-jar", jar()));
    cmd.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(cmd);
    builder.environment().putAll(env);
    return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
  }

  public ProcessCluster start() {
    for (int i = 0; i < configs.size(); i++) {
      start(i);
    }
    awaitUp(configs.size());
    return this;
  }

  public void start(int i) {
    start(i, Duration.ofSeconds(30));
  }

  /** Starts node i and waits up to {@code deadline} for it to answer /healthz. */
  public void start(int i, Duration deadline) {
    launch(i);
    int port = configs.get(i).getInteger("httpPort");
    Await.until("node" + (i + 1) + " to answer /healthz", deadline, () -> {
      if (!processes.get(i).isAlive()) {
        throw new AssertionError("node" + (i + 1) + " exited: " + log(i));
      }
      return Http.call(clientVertx, io.vertx.core.http.HttpMethod.GET, host(i), port, "/healthz", null).status() == 200;
    });
  }

  @Override
  public void awaitUp(int count) {
    for (int i = 0; i < configs.size(); i++) {
      if (processes.get(i) == null || !processes.get(i).isAlive()) {
        continue;
      }
      int port = configs.get(i).getInteger("httpPort");
      int idx = i;
      Await.until("node" + (i + 1) + " to see " + count + " UP", Duration.ofSeconds(30), () ->
          membership(idx).getJsonArray("nodes").stream()
              .filter(o -> "UP".equals(((JsonObject) o).getString("status"))).count() == count);
    }
  }

  public String host(int i) {
    return configs.get(i).getString("host");
  }

  @Override
  public JsonObject membership(int i) {
    return Http.getJson(clientVertx, host(i), configs.get(i).getInteger("httpPort"), "/v1/membership");
  }

  @Override
  public int size() {
    return configs.size();
  }

  @Override
  public void crash(int i) {
    try {
      kill(i);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void restart(int i) {
    start(i);
  }

  /** SIGKILL: no shutdown hook, no flush. */
  public void kill(int i) throws InterruptedException {
    dropClient(i);
    Process p = processes.get(i);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * SIGSTOP: the process stays, with its sockets, and does nothing (a long GC pause, a starved or
   * suspended VM); the kernel still queues what clients send it. {@link #resume} lets it go on.
   */
  public void pause(int i) throws IOException, InterruptedException {
    signal(i, "STOP");
  }

  /** SIGCONT after {@link #pause}: the node goes on where it stopped, with the view it had. */
  public void resume(int i) throws IOException, InterruptedException {
    signal(i, "CONT");
  }

  private void signal(int i, String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(processes.get(i).pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " of node" + (i + 1) + " failed");
    }
  }

  /** SIGTERM; answers how long the process took to exit. */
  public Duration terminate(int i) throws InterruptedException {
    dropClient(i);
    Process p = processes.get(i);
    long t0 = System.nanoTime();
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  private void dropClient(int i) {
    KvClient client = clients.remove(i);
    if (client != null) {
      client.close();
    }
  }

  public io.vertx.core.Vertx clientVertxForTools() {
    return clientVertx;
  }

  public Process process(int i) {
    return processes.get(i);
  }

  @Override
  public JsonObject config(int i) {
    return configs.get(i);
  }

  public String grpcAddress(int i) {
    return host(i) + ":" + configs.get(i).getInteger("grpcPort");
  }

  @Override
  public KvClient client(int i) {
    // one connection per node, as a real client keeps, instead of one per call
    return clients.computeIfAbsent(i, n -> new KvClient(clientVertx, host(n), configs.get(n).getInteger("grpcPort")));
  }

  public String log(int i) {
    try {
      return Files.readString(dir.resolve("node" + (i + 1) + ".log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      try {
        if (p != null) {
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clientVertx.close().await();
  }
}
