package kvstore.membership;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.node.EventLog;
import kvstore.ring.Ring;
import kvstore.version.HybridLogicalClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Push-pull gossip over HTTP: every {@code gossipIntervalMs} this node POSTs its digest to its seeds
 * and a few random live peers, and merges the digest each answers with. Serves {@code /membership}
 * and {@code /healthz}, and publishes a new {@link ClusterView} on the event bus when anything changes.
 */
public final class GossipVerticle extends VerticleBase {
  public static final String VIEW_ADDRESS = "kv.cluster.view";
  public static final String VIEW_REQUEST = "kv.cluster.view.get";
  /** Answers the /membership JSON (with phi) plus this node's generation, for kvctl status. */
  public static final String MEMBERSHIP_REQUEST = "kv.cluster.membership.get";
  private static final int FANOUT = 3;

  private final NodeConfig config;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private MembershipTable table;
  private WebClient client;
  private HttpServer server;
  private long timerId = -1;
  private ClusterView view;
  private Set<String> ringNodes = Set.of();

  private final NodeMetrics metrics;

  private final java.util.function.BooleanSupplier ready;

  public GossipVerticle(NodeConfig config, HybridLogicalClock clock, NodeMetrics metrics, EventLog log,
                        java.util.function.BooleanSupplier ready) {
    this.ready = ready;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    long generation = System.currentTimeMillis();
    Member self = new Member(config.nodeId(), config.grpcAddress(), config.gossipAddress(), 0, generation, Status.UP);
    table = new MembershipTable(self, System::currentTimeMillis, new MembershipTable.DetectorSettings(
        config.failureDetectorPhiSuspect(), config.failureDetectorPhiDown(), 100, config.failureDetectorMinStdDevMs(),
        config.failureDetectorPauseMs(), config.gossipIntervalMs()));
    client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(Math.max(200, config.gossipIntervalMs()))
        .setIdleTimeout(30).setKeepAlive(true));
    publishIfChanged();
    vertx.eventBus().consumer(VIEW_REQUEST, m -> m.reply(view));
    vertx.eventBus().consumer(MEMBERSHIP_REQUEST, m -> m.reply(membershipWithPhi().put("generation", table.self().generation())));

    Router router = Router.router(vertx);
    router.post("/gossip").handler(BodyHandler.create(false).setBodyLimit(config.maxGossipBodyBytes()));
    router.post("/gossip").handler(this::onGossip);
    router.get("/membership").handler(ctx -> ctx.json(membershipWithPhi()));
    router.route().failureHandler(ctx -> {
      Throwable err = ctx.failure();
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      if (status >= 500) {
        log.warn("gossip endpoint " + ctx.request().path() + " failed", err);
      }
      if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().setStatusCode(status).putHeader("content-type", "text/plain")
            .end(status == 413 ? "gossip body larger than maxGossipBodyBytes\n" : "HTTP " + status + "\n");
      }
    });
    // scraping walks every meter: a few ms of CPU, so not on the event loop
    router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    }));
    // 200 only once every verticle is up: gossip starts before the gRPC port listens
    router.get("/healthz").handler(ctx -> {
      boolean up = ready.getAsBoolean();
      ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "text/plain").end(up ? "ok\n" : "starting\n");
    });
    return vertx.createHttpServer().requestHandler(router).listen(config.gossipPort(), config.host())
        .map(s -> {
          server = s;
          timerId = vertx.setPeriodic(0, config.gossipIntervalMs(), t -> round());
          return s;
        });
  }

  private JsonObject membershipJson() {
    JsonArray nodes = new JsonArray();
    for (Member m : table.snapshot()) {
      nodes.add(m.toJson());
    }
    return new JsonObject().put("nodes", nodes);
  }

  /** /membership for operators: the digest plus each peer's current phi. */
  private JsonObject membershipWithPhi() {
    JsonObject j = membershipJson();
    for (Object o : j.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      if (!n.getString("nodeId").equals(config.nodeId())) {
        n.put("phi", Math.round(table.phi(n.getString("nodeId")) * 100) / 100.0);
      }
    }
    return j;
  }

  private JsonObject digest() {
    return membershipJson().put("from", config.nodeId()).put("clock", clock.peek());
  }

  private void onGossip(RoutingContext ctx) {
    List<Member> digest;
    long peerClock;
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw new IllegalArgumentException("empty body");
      }
      digest = parseDigest(body);
      peerClock = body.getValue("clock") instanceof Number n ? n.longValue() : 0;
    } catch (DecodeException | IllegalArgumentException | ClassCastException e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "text/plain")
          .end("malformed gossip digest: " + e.getMessage() + "\n");
      return;
    }
    absorb(digest, peerClock);
    ctx.json(digest());
  }

  static List<Member> parseDigest(JsonObject body) {
    Object nodes = body.getValue("nodes");
    if (!(nodes instanceof JsonArray arr)) {
      throw new IllegalArgumentException("field 'nodes' must be an array");
    }
    if (arr.size() > 10_000) {
      throw new IllegalArgumentException("too many entries: " + arr.size());
    }
    List<Member> out = new ArrayList<>(arr.size());
    for (Object o : arr) {
      out.add(Member.fromJson(o));
    }
    return out;
  }

  private void absorb(List<Member> digest, long peerClock) {
    // keeps clocks of gossiping nodes within about one round of each other (see HybridLogicalClock)
    if (peerClock > 0) {
      clock.observe(peerClock);
    }
    for (Member m : table.merge(digest)) {
      log.info("[GOSSIP] New node discovered: " + m.nodeId() + " grpc=" + m.grpcAddress() + " gossip=" + m.gossipAddress());
    }
    publishIfChanged();
  }

  private void round() {
    metrics.gossipRound();
    table.tick();
    publishIfChanged();
    JsonObject body = digest();
    for (String target : targets()) {
      int colon = target.lastIndexOf(':');
      client.post(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon), "/gossip")
          .timeout(Math.max(200, config.gossipIntervalMs()))
          .sendJsonObject(body)
          .onSuccess(resp -> {
            if (resp.statusCode() == 200) {
              try {
                JsonObject answer = resp.bodyAsJsonObject();
                absorb(parseDigest(answer), answer.getValue("clock") instanceof Number n ? n.longValue() : 0);
              } catch (RuntimeException e) {
                log.warn("[GOSSIP] bad answer from " + target + ": " + e.getMessage());
              }
            } else {
              log.trace(() -> "[GOSSIP] " + target + " answered HTTP " + resp.statusCode());
            }
          })
          .onFailure(err -> log.trace(() -> "[GOSSIP] " + target + " unreachable: " + err.getMessage()));
    }
  }

  /** Seeds (until they are known members) plus up to FANOUT random members, live ones first. */
  private List<String> targets() {
    Set<String> out = new LinkedHashSet<>();
    List<Member> members = table.snapshot();
    Set<String> knownGossip = new HashSet<>();
    List<Member> live = new ArrayList<>();
    List<Member> notLive = new ArrayList<>();
    for (Member m : members) {
      knownGossip.add(m.gossipAddress());
      if (m.nodeId().equals(config.nodeId()) || m.status() == Status.LEFT) {
        continue;
      }
      (m.status() == Status.UP ? live : notLive).add(m);
    }
    for (String seed : config.seeds()) {
      if (!seed.equals(config.gossipAddress())) {
        out.add(seed);
      }
    }
    Collections.shuffle(live);
    for (int i = 0; i < Math.min(FANOUT, live.size()); i++) {
      out.add(live.get(i).gossipAddress());
    }
    // keep knocking on one silent member per round, so a restarted node is re-learned quickly
    if (!notLive.isEmpty()) {
      Collections.shuffle(notLive);
      out.add(notLive.get(0).gossipAddress());
    }
    return new ArrayList<>(out);
  }

  private void publishIfChanged() {
    List<Member> members = table.snapshot();
    Set<String> nodes = new HashSet<>();
    for (Member m : members) {
      if (m.status() != Status.LEFT) {
        nodes.add(m.nodeId());
      }
    }
    Ring ring = view != null && nodes.equals(ringNodes) ? view.ring() : Ring.of(nodes, config.vnodes());
    ClusterView next = ClusterView.of(config.nodeId(), members, ring, table.lastHeard());
    if (view == null || !sameMembership(view, next)) {
      view = next;
      ringNodes = nodes;
      vertx.eventBus().publish(VIEW_ADDRESS, view);
    }
  }

  /** Heartbeats change every round; only addresses, generations and statuses matter to readers of the view. */
  private static boolean sameMembership(ClusterView a, ClusterView b) {
    if (!a.members().keySet().equals(b.members().keySet())) {
      return false;
    }
    for (Member m : a.members().values()) {
      Member o = b.member(m.nodeId());
      if (o.status() != m.status() || o.generation() != m.generation() || !o.grpcAddress().equals(m.grpcAddress())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    client.close();
    return server == null ? Future.succeededFuture() : server.close();
  }
}
