package kvstore.cli;

import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import kvstore.config.ConfigException;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.node.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar node.jar -conf node2.json} starts a node ({@code -conf} takes a file or inline
 * JSON, like the Vert.x launcher's); {@code java -jar node.jar cluster} starts a local 3-node cluster.
 */
public final class Main {
  private static final long START_TIMEOUT_S = 300;

  static final int EXIT_CONFIG = 2;
  static final int EXIT_START = 1;

  private Main() {
  }

  public static void main(String[] args) {
    LogFormat.install();
    if (args.length > 0 && args[0].equals("cluster")) {
      System.exit(LocalCluster.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("kvctl")) {
      System.exit(Kvctl.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("certs")) {
      System.exit(CertsCommand.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("restore")) {
      System.exit(RestoreCommand.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("train")) {
      // the three nodes' start-up lines are not what a training run is for
      LogFormat.setLevel("WARN");
      System.exit(TrainCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out));
    }
    if (args.length > 0 && args[0].equals("health")) {
      System.exit(HealthCheck.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    String conf = null;
    for (int i = 0; i < args.length; i++) {
      if ((args[i].equals("-conf") || args[i].equals("--conf")) && i + 1 < args.length) {
        conf = args[++i];
      } else if (args[i].equals("-h") || args[i].equals("--help")) {
        System.out.println("usage: java -jar node.jar -conf CONFIG.json   (start a node; KV_* environment variables override the file)\n"
            + "       java -jar node.jar cluster [--debug]      (start a local 3-node cluster from config/node1..3.json)\n"
            + "       java -jar node.jar health [host:httpPort]   (exit 0 when the node answers /healthz)\n"
            + "       java -jar node.jar certs --help             (the cluster CA, node and client certificates)\n"
            + "       java -jar node.jar restore --help           (restore a stopped node from a snapshot)\n"
            + "       java -XX:AOTCacheOutput=node.aot -jar node.jar train   (Java 25: an AOT cache for fast starts)\n"
            + "       java -jar node.jar kvctl --help             (put/get/delete/status/ring/where/repair/bench)");
        return;
      } else {
        fail(EXIT_CONFIG, "unknown argument '" + args[i] + "' (usage: java -jar node.jar -conf CONFIG.json)");
      }
    }
    NodeConfig config;
    try {
      config = NodeConfig.parse(readConf(conf), System.getenv());
    } catch (ConfigException e) {
      fail(EXIT_CONFIG, "config error: " + e.getMessage());
      return;
    }
    try {
      kvstore.security.ClusterTls.of(config);
    } catch (IllegalArgumentException e) {
      fail(EXIT_CONFIG, "config error: " + e.getMessage());
      return;
    }
    LogFormat.setLevel(config.effectiveLogLevel());
    NodeMetrics metrics = new NodeMetrics(config.nodeId());
    Vertx vertx = Node.newVertx(metrics, config.eventLoops());
    Node node;
    try {
      // the integrity check of a large database is most of a start (6 s at 10M rows, from a warm page cache)
      node = Node.start(vertx, config, metrics).toCompletionStage().toCompletableFuture().get(START_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.TimeoutException
          ? new IllegalStateException("it did not finish starting within " + START_TIMEOUT_S + " s (see the lines above)")
          : e.getCause() != null ? e.getCause() : e;
      if (cause instanceof kvstore.node.LeftIdle.LeftCluster && config.idleAfterLeaving()) {
        idle(vertx, config, cause.getMessage());
        return;
      }
      vertx.close();
      fail(EXIT_START, "cannot start node " + config.nodeId() + ": " + cause.getMessage());
      return;
    }
    NodeConfig cfg = config;
    // left the cluster, or refused by it: say why once and stop (or, having left, idle)
    node.exit().onSuccess(exit -> {
      if (exit.code() == 0 && cfg.idleAfterLeaving()) {
        System.out.println(exit.line());
        node.stop().onComplete(v -> idle(vertx, cfg, exit.line()));
        return;
      }
      if (exit.code() == 0) {
        System.out.println(exit.line());
      } else {
        System.err.println(exit.line());
      }
      // not on the event loop: the shutdown hook needs it to stop the node
      new Thread(() -> System.exit(exit.code()), "kv-exit").start();
    });
    // SIGTERM: finish in-flight requests, commit queued writes, then exit (bounded at 15 s)
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      CompletableFuture<Void> stopped = node.stop().compose(v -> vertx.close()).toCompletionStage().toCompletableFuture();
      try {
        stopped.get(14, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown did not finish cleanly: " + e);
      }
    }, "kv-shutdown"));
  }

  /** Stays up on the HTTP port only, saying the node left: see {@link kvstore.node.LeftIdle}. */
  private static void idle(Vertx vertx, NodeConfig config, String why) {
    System.out.println(why + " (afterLeaving: idle: /healthz answers 200, /readyz 503, until this process is stopped)");
    kvstore.node.LeftIdle.serve(vertx, config, why).onFailure(err -> {
      System.err.println("cannot idle on httpPort " + config.httpPort() + ": " + err.getMessage());
      System.exit(EXIT_START);
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "kv-idle-shutdown"));
  }

  static JsonObject readConf(String conf) {
    if (conf == null) {
      return new JsonObject();
    }
    String text = conf;
    if (!conf.trim().startsWith("{")) {
      try {
        text = Files.readString(Path.of(conf));
      } catch (NoSuchFileException e) {
        throw new ConfigException("config file '" + conf + "' does not exist");
      } catch (IOException e) {
        throw new ConfigException("cannot read config file '" + conf + "': " + e);
      }
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException("config '" + conf + "' is not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static void fail(int code, String line) {
    System.err.println(line);
    System.exit(code);
  }
}
