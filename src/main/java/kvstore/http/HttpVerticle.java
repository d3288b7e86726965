package kvstore.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.rxjava3.core.RxHelper;
import kvstore.api.ClientStack;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.GossipVerticle;
import kvstore.membership.ViewSubscription;
import kvstore.metrics.NodeMetrics;
import kvstore.security.ClusterTls;
import kvstore.security.ByteBudget;
import kvstore.security.ConnectionCap;
import kvstore.storage.RowCache;
import kvstore.version.HybridLogicalClock;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The HTTP port: the console at {@code /}, the HTTP/JSON key API ({@link KeyRoutes}), what the
 * console reads and does ({@link ClusterRoutes}, {@link EventFeed}), the OpenAPI document, and the
 * operators' {@code /healthz}, {@code /metrics}, {@code /membership}. Plaintext by default, TLS
 * with httpTls.
 */
public final class HttpVerticle extends VerticleBase {
  private final NodeConfig config;
  private final ClusterTls tls;
  private final HybridLogicalClock clock;
  private final NodeMetrics metrics;
  private final EventLog log;
  private final RowCache cache;
  private final BooleanSupplier ready;
  private final kvstore.version.StallDetector stalls;
  private final ConnectionCap connections;
  private final ByteBudget requestBytes;
  private ClientStack stack;
  private HttpServer server;

  public HttpVerticle(NodeConfig config, ClusterTls tls, HybridLogicalClock clock, kvstore.version.StallDetector stalls, NodeMetrics metrics,
                      EventLog log, RowCache cache, ByteBudget requestBytes, BooleanSupplier ready) {
    this.requestBytes = requestBytes;
    this.stalls = stalls;
    this.config = config;
    this.tls = tls;
    this.clock = clock;
    this.metrics = metrics;
    this.log = log;
    this.cache = cache;
    this.ready = ready;
    this.connections = new ConnectionCap("httpPort", ConnectionCap.Limits.of(config.maxHttpConnections(), config), config.firstRequestTimeoutMs(), false, metrics, log);
  }

  @Override
  public Future<?> start() {
    Future<io.vertx.core.buffer.Buffer> openApiDoc = vertx.fileSystem().readFile("kvstore/http/openapi.json");
    return Future.all(openApiDoc, ViewSubscription.subscribe(vertx, v -> { })).compose(both -> {
      io.vertx.core.buffer.Buffer openApi = openApiDoc.result();
      ViewSubscription view = both.resultAt(1);
      stack = ClientStack.create(vertx, config, tls, clock, stalls, metrics, log, cache, view);
      Router router = Router.router(vertx);
      router.get("/v1/membership").handler(ctx -> vertx.eventBus().<JsonObject>request(GossipVerticle.MEMBERSHIP_REQUEST, null)
          .onSuccess(m -> {
            JsonObject j = m.body().copy();
            j.remove("generation");
            ctx.json(j);
          }).onFailure(ctx::fail));
      // the prototype's shape, which its gateway and dashboard read unchanged
      router.get("/membership").handler(ctx -> vertx.eventBus().<JsonObject>request(GossipVerticle.MEMBERSHIP_REQUEST, null)
          .onSuccess(m -> ctx.json(PrototypeMembership.of(m.body()))).onFailure(ctx::fail));
      router.post("/gossip").handler(ctx -> ctx.response().setStatusCode(404).putHeader("content-type", "text/plain")
          .end("gossip is accepted on the peer port (" + config.peerAddress() + "), not on httpPort\n"));
      // scraping walks every meter: a few ms of CPU, so not on the event loop
      router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
        if (ar.succeeded()) {
          ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
        } else {
          ctx.fail(ar.cause());
        }
      }));
      // 200 only once every verticle is up: this port listens before the gRPC port does; /readyz is
      // the same while the node serves (it differs on a node idling after it left, see LeftIdle)
      io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> health = ctx -> {
        boolean up = ready.getAsBoolean();
        ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "text/plain").end(up ? "ok\n" : "starting\n");
      };
      router.get("/readyz").handler(health);
      router.get("/healthz").handler(health);
      new KeyRoutes(stack.keyValue, config.nodeId(), config.maxValueBytes(), requestBytes, metrics, log).mount(router);
      new ClusterRoutes(vertx, config, view, stack, new OperatorGate(tls, config.httpTls()), log).mount(router);
      new EventFeed(config.nodeId(), log, System::currentTimeMillis)
          .mount(router, RxHelper.scheduler(io.vertx.rxjava3.core.Context.newInstance(context)));
      router.get("/v1/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openApi));
      router.route("/v1/*").handler(ctx -> JsonAnswers.error(ctx, 404, "no such API path: " + ctx.request().method() + " "
          + EventLog.quote(ctx.request().path()) + " (see /v1/openapi.json)"));
      router.route("/*").handler(StaticHandler.create("console").setIndexPage("index.html"));
      router.route().last().failureHandler(ctx -> {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (status >= 500) {
          log.warn("HTTP " + EventLog.quote(ctx.request().path()) + " failed", ctx.failure());
        }
        if (!ctx.response().ended()) {
          ctx.response().setStatusCode(status).putHeader("content-type", "text/plain").end("HTTP " + status + "\n");
        }
      });
      HttpServerOptions options = new HttpServerOptions().setIdleTimeout(config.idleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
      if (config.httpTls()) {
        tls.httpServer(options);
      }
      return vertx.createHttpServer(options)
          .connectionHandler(connections::admit)
          .requestHandler(req -> {
            if (badEscape(req.path())) {
              // Vert.x Web's router would log an ERROR with a stack trace for each such path
              metrics.refused("http_bad_path");
              log.warnLimited("http-bad-path", "refused a request from " + req.remoteAddress() + ": its path " + EventLog.quote(req.path())
                  + " has a '%' not followed by two hex digits");
              req.response().setStatusCode(400).putHeader("content-type", "text/plain")
                  .end("the path has a '%' not followed by two hex digits: percent-encode '%' itself as %25\n");
              return;
            }
            router.handle(req);
          }).listen(config.httpPort(), config.listenHost())
          .recover(err -> Future.failedFuture(new IllegalStateException(
              "cannot listen on httpPort " + config.listenHost() + ":" + config.httpPort() + ": " + err.getMessage())));
    }).map(s -> {
      server = s;
      connections.install(s);
      return s;
    });
  }

  static boolean badEscape(String path) {
    if (path == null) {
      return false;
    }
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0 || Character.digit(path.charAt(i + 2), 16) < 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> stack == null ? Future.succeededFuture() : stack.close());
  }
}
