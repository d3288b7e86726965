package kvstore.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import kvstore.config.NodeConfig;
import kvstore.security.ClusterTls;

/**
 * What a node that has left its cluster does with {@code afterLeaving: idle}: nothing, visibly. A
 * container orchestrator restarts a process that exits (a StatefulSet between `kvctl decommission`
 * and its scale-down would restart it into a crash loop on its LEFT dataDir), so the process stays
 * up and answers only on its HTTP port: {@code /healthz} 200 (alive: do not restart it),
 * {@code /readyz} and everything else 503 saying it left and what to do.
 */
public final class LeftIdle {
  /** Thrown by a start on a dataDir whose node has left the cluster. */
  public static final class LeftCluster extends IllegalStateException {
    public LeftCluster(String message) {
      super(message);
    }
  }

  private LeftIdle() {
  }

  public static Future<HttpServer> serve(Vertx vertx, NodeConfig config, String why) {
    HttpServerOptions options = new HttpServerOptions();
    if (config.httpTls()) {
      ClusterTls.of(config).httpServer(options);
    }
    String text = why + "\nthis node is idle (afterLeaving: idle) until it is removed: scale the StatefulSet down,"
        + " or wipe its dataDir to join again as a new node\n";
    return vertx.createHttpServer(options).requestHandler(req -> req.response().setStatusCode("/healthz".equals(req.path()) ? 200 : 503)
        .putHeader("content-type", "text/plain").end(text)).listen(config.httpPort(), config.listenHost());
  }
}
