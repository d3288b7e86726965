package kvstore.membership;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.security.ClusterTls;
import kvstore.version.HybridLogicalClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Push-pull gossip: every {@code gossipIntervalMs} this node POSTs its digest to the peer ports of
 * its seeds and a few random live peers (mutual TLS unless insecure), and merges the digest each
 * answers with. Digests POSTed to this node arrive from the peer port's {@link GossipRoute} over the
 * event bus. Answers the membership (with phi) on the event bus for the HTTP port's
 * {@code /membership}, and publishes a new {@link ClusterView} on the event bus when anything changes.
 */
public final class GossipVerticle extends VerticleBase {
  public static final String VIEW_ADDRESS = "kv.cluster.view";
  public static final String VIEW_REQUEST = "kv.cluster.view.get";
  /** Answers the /membership JSON (with phi) plus this node's generation, for kvctl status. */
  public static final String MEMBERSHIP_REQUEST = "kv.cluster.membership.get";
  /** A digest POSTed to the peer port: absorbed, answered with this node's digest. */
  public static final String EXCHANGE = "kv.gossip.exchange";
  /** A {@link RingState} name this node announces for itself; answered once every member that must has heard it ({@link HeardBarrier}). */
  public static final String ANNOUNCE = "kv.gossip.announce";
  /** The id of a DOWN member to announce as LEAVING (removenode starts); answered once every member but it has heard it. */
  public static final String REMOVING = "kv.gossip.removing";
  /** The id of a DOWN member to announce as LEFT (removenode); answered once every live member has heard it. */
  public static final String REMOVE = "kv.gossip.remove";
  /** Announces, on a dead member's behalf, that it is NORMAL again: a removenode that failed half-way, aborted (body: its id). */
  public static final String RESTORE = "kv.gossip.restore";
  /**
   * The id of the node whose move is about to end (this node's own, or the dead member of a
   * removenode): answered once every member that must hear has sent a digest since, or failed
   * with {@link #OVERTAKEN} when another move went first at any member while this one streamed
   * ({@link MoveWatch}): what it streamed missed writes, and it must stream again.
   */
  public static final String CONFIRM = "kv.gossip.confirm";
  /** The failure code of a {@link #CONFIRM} whose move was overtaken. */
  public static final int OVERTAKEN = 409;
  private static final int FANOUT = 3;
  /** Unconfirmed entries probed per round: enough to confirm a joining node within a round or two, few enough that forged ones cost little. */
  private static final int PROBES = 2;
  private static final long DOWN_MEMBER_GOSSIP_EVERY_MS = 60_000;

  private final NodeConfig config;
  private final HybridLogicalClock clock;
  private final EventLog log;
  private final NodeMetrics metrics;
  private MembershipTable table;
  private WebClient client;
  private long timerId = -1;
  private ClusterView view;
  private ViewBuilder views;
  private final Map<String, Long> lastSentToSilent = new HashMap<>();

  private final ClusterTls tls;
  private final ClusterSettings settings;
  private final RingState initialState;
  /** This run's generation: above every earlier one of this node even when its wall clock went back (Node keeps it on disk). */
  private final long generation;
  /** The generation of the first run on this node's data directory (see {@link Member#joined}). */
  private final long joined;
  private final java.util.function.Consumer<String> fatal;
  private final List<Member> remembered;
  private final java.util.function.Consumer<JsonArray> keep;
  private HeardBarrier barrier;
  private final MoveWatch moves = new MoveWatch();

  /**
   * {@code initialState}: how this node enters the ring; {@code fatal} hears the one line that says
   * why this node cannot be part of the cluster it reached (settings differ, or it left it before);
   * {@code remembered}: the members this node knew when it last ran; {@code keep} hears the members'
   * entries whenever they change, to remember them for the next start.
   */
  public GossipVerticle(NodeConfig config, ClusterTls tls, HybridLogicalClock clock, NodeMetrics metrics, EventLog log,
                        RingState initialState, long generation, long joined, java.util.function.Consumer<String> fatal,
                        List<Member> remembered, java.util.function.Consumer<JsonArray> keep) {
    this.remembered = remembered;
    this.keep = keep;
    this.generation = generation;
    this.joined = joined;
    this.initialState = initialState;
    this.fatal = fatal;
    this.settings = new ClusterSettings(config.clusterName(), config.replicationFactor(), config.vnodes());
    this.tls = tls;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public Future<?> start() {
    Member self = new Member(config.nodeId(), config.grpcAddress(), config.httpAddress(), config.peerAddress(), 0, generation,
        Status.UP, initialState, joined);
    table = new MembershipTable(self, System::currentTimeMillis, new MembershipTable.DetectorSettings(
        config.failureDetectorPhiSuspect(), config.failureDetectorPhiDown(), 100, config.failureDetectorMinStdDevMs(),
        config.failureDetectorPauseMs(), config.gossipIntervalMs()),
        new MembershipTable.Limits(config.maxClusterNodes(), Math.max(30_000, 30L * config.gossipIntervalMs()),
            config.maxClockSkewMs(), Math.max(5, config.gossipIntervalMs() / 2)));
    table.remember(remembered);
    views = new ViewBuilder(config.nodeId(), config.vnodes());
    barrier = new HeardBarrier(table, config.nodeId(), config.downMemberGossipAfterMs(), System::currentTimeMillis);
    table.onRefusal((id, reason) -> {
      metrics.refused("gossip_entry");
      log.warnLimited("gossip-entry", "[GOSSIP] refused the entry for " + EventLog.quote(id) + ": " + reason);
    });
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout(Math.max(200, config.gossipIntervalMs()))
        .setIdleTimeout(30).setKeepAlive(true);
    if (tls != null) {
      tls.peerClient(options);
    }
    client = WebClient.create(vertx, options);
    publishIfChanged();
    vertx.eventBus().consumer(VIEW_REQUEST, m -> m.reply(view));
    vertx.eventBus().consumer(MEMBERSHIP_REQUEST, m -> m.reply(membershipWithPhi().put("generation", table.self().generation())));
    vertx.eventBus().<JsonObject>consumer(EXCHANGE, this::onGossip);
    vertx.eventBus().<String>consumer(ANNOUNCE, this::onAnnounce);
    vertx.eventBus().<String>consumer(REMOVING, this::onRemoving);
    vertx.eventBus().<String>consumer(REMOVE, this::onRemove);
    vertx.eventBus().<String>consumer(RESTORE, this::onRestore);
    vertx.eventBus().<String>consumer(CONFIRM, this::onConfirm);

    timerId = vertx.setPeriodic(0, config.gossipIntervalMs(), t -> round());
    return Future.succeededFuture();
  }

  private JsonObject membershipJson() {
    JsonArray nodes = new JsonArray();
    for (Member m : table.snapshot()) {
      nodes.add(m.toJson());
    }
    return new JsonObject().put("nodes", nodes);
  }

  /** /membership for operators: the digest plus each peer's current phi. */
  JsonObject membershipWithPhi() {
    JsonObject j = membershipJson();
    for (Object o : j.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      if (!n.getString("nodeId").equals(config.nodeId())) {
        n.put("phi", Math.round(table.phi(n.getString("nodeId")) * 100) / 100.0);
      }
    }
    return j.put("unconfirmed", table.unconfirmedCount());
  }

  private JsonObject digest() {
    return membershipJson().put("from", config.nodeId()).put("clock", clock.peek()).put("cluster", settings.toJson());
  }

  /**
   * A digest from the peer port: answered with ours; failed with 400 and what is wrong with it, or
   * 409 when the sender cannot be a member (other cluster settings, or it left this cluster).
   */
  private void onGossip(Message<JsonObject> m) {
    List<Member> digest;
    long peerClock;
    ClusterSettings theirs;
    try {
      digest = parseDigest(m.body(), config.maxClusterNodes());
      peerClock = clockOf(m.body());
      theirs = ClusterSettings.fromJson(m.body().getValue("cluster"));
    } catch (IllegalArgumentException e) {
      m.fail(400, "malformed gossip digest: " + e.getMessage());
      return;
    }
    String from = String.valueOf(m.body().getValue("from"));
    String refusal = refusalOf(theirs, from, digest);
    if (refusal != null) {
      metrics.refused("cluster_settings");
      log.warnLimited("gossip-settings", "[GOSSIP] refused " + EventLog.quote(from) + ": " + refusal);
      m.fail(409, refusal);
      return;
    }
    absorb(digest, peerClock, "a gossip POST");
    heard(from, digest);
    m.reply(digest());
  }

  /** Why the node {@code from} cannot be a member, or null. */
  private String refusalOf(ClusterSettings theirs, String from, List<Member> digest) {
    String differs = settings.difference(theirs, EventLog.quote(from));
    if (differs != null) {
      return "cluster settings differ: " + differs;
    }
    for (Member m : digest) {
      if (m.nodeId().equals(from) && table.returnsAfterLeaving(m)) {
        return "node " + EventLog.quote(from) + " left this cluster (decommissioned or removed); wipe its dataDir to join again as a new node";
      }
    }
    return null;
  }

  /** Keeps what a confirmed member said it knows, and answers announcements all live members have now heard. */
  private void heard(String from, List<Member> digest) {
    moves.see(digest);
    barrier.heard(from, digest);
  }

  private void onAnnounce(Message<String> m) {
    long generation = table.self().generation();
    String self = config.nodeId();
    if (m.body().equals(Status.LEFT.name())) {
      table.leave();
      publishIfChanged();
      log.info("[GOSSIP] announcing that this node has left the cluster");
      whenAllHeard(m, known -> {
        Member me = known.get(self);
        return me != null && me.status() == Status.LEFT;
      }, null, false, "the announcement that " + self + " has left");
      return;
    }
    RingState state = RingState.valueOf(m.body());
    table.announce(state);
    publishIfChanged();
    // a move is under way once every member knows of it and sees no earlier move in progress; that
    // a node is NORMAL again needs only the live ones (one that has not heard writes to both rings)
    boolean startsMove = state == RingState.JOINING || state == RingState.LEAVING;
    whenAllHeard(m, known -> {
      Member me = known.get(self);
      return me != null && me.generation() == generation && me.state() == state && me.status() != Status.LEFT
          && (!startsMove || ActiveMove.of(known.values()).map(Member::nodeId).orElse("").equals(self));
    }, null, state != RingState.NORMAL, "the announcement that " + self + " is " + state, () -> {
      if (startsMove) {
        moves.start(self);
      }
    });
  }

  private void onRemoving(Message<String> m) {
    Member leaving = table.markLeaving(m.body());
    if (leaving == null) {
      m.fail(409, "node " + EventLog.quote(m.body()) + " is not DOWN here; removenode is for dead nodes (a live node decommissions itself)");
      return;
    }
    log.info("[GOSSIP] announcing that " + leaving.nodeId() + " is LEAVING (removenode): its ranges stream to their next owners");
    publishIfChanged();
    whenAllHeard(m, known -> {
      Member x = known.get(leaving.nodeId());
      return x != null && x.state() == RingState.LEAVING
          && ActiveMove.of(known.values()).map(Member::nodeId).orElse("").equals(leaving.nodeId());
    }, leaving.nodeId(), true, "the announcement that " + leaving.nodeId() + " is LEAVING", () -> moves.start(leaving.nodeId()));
  }

  private void onConfirm(Message<String> m) {
    String mover = m.body();
    if (!moves.watching(mover)) {
      m.fail(OVERTAKEN, "the move of " + EventLog.quote(mover) + " is not under way here");
      return;
    }
    String except = mover.equals(config.nodeId()) ? null : mover;
    barrier.awaitFresh(known -> ActiveMove.of(known.values()).isPresent(), except, true, Math.max(30_000, 60L * config.gossipIntervalMs()),
        new HeardBarrier.Outcome() {
          @Override
          public void heard() {
            String by = moves.overtakenBy(mover);
            moves.stop(mover);
            if (by == null) {
              m.reply(true);
            } else {
              m.fail(OVERTAKEN, "the move of " + by + " went first while that of " + mover + " streamed (" + by
                  + " announced its move earlier but was heard of later): coordinators sent the writes of the moving ranges to "
                  + by + "'s, so what was streamed may lack some");
            }
          }

          @Override
          public void timedOut(List<String> notHeardBy) {
            moves.stop(mover);
            m.fail(504, "the end of the move of " + mover + " could not be confirmed: no digest since from " + describe(notHeardBy));
          }
        });
  }

  private void onRestore(Message<String> m) {
    Member back = table.restore(m.body());
    if (back == null) {
      m.fail(409, "node " + EventLog.quote(m.body()) + " is not a DOWN member that is LEAVING here; there is no removenode of it to abort");
      return;
    }
    log.info("[GOSSIP] announcing that " + back.nodeId() + " is NORMAL again (its removenode aborted)");
    publishIfChanged();
    whenAllHeard(m, known -> {
      Member x = known.get(back.nodeId());
      return x != null && x.state() == RingState.NORMAL;
    }, back.nodeId(), false, "the announcement that " + back.nodeId() + " is NORMAL again");
  }

  private void onRemove(Message<String> m) {
    Member left = table.remove(m.body());
    if (left == null) {
      m.fail(409, table.hasLeft(m.body()) ? "node " + EventLog.quote(m.body()) + " has already left the cluster"
          : "node " + EventLog.quote(m.body()) + " is not DOWN here; removenode is for dead nodes (a live node decommissions itself)");
      return;
    }
    log.info("[GOSSIP] announcing that " + left.nodeId() + " has left the cluster (removenode)");
    publishIfChanged();
    whenAllHeard(m, known -> {
      Member x = known.get(left.nodeId());
      return x == null || x.status() == Status.LEFT;
    }, left.nodeId(), false, "the removal of " + left.nodeId());
  }

  /**
   * Replies once every member that must hear ({@link HeardBarrier}) has, or fails after 60 gossip
   * rounds (at least 30 s), naming who had not.
   */
  private void whenAllHeard(Message<String> m, java.util.function.Predicate<Map<String, Member>> test, String except,
                            boolean movesRanges, String what) {
    whenAllHeard(m, test, except, movesRanges, what, () -> { });
  }

  /** As above; {@code then} runs once all have heard, before the reply. */
  private void whenAllHeard(Message<String> m, java.util.function.Predicate<Map<String, Member>> test, String except,
                            boolean movesRanges, String what, Runnable then) {
    barrier.await(test, except, movesRanges, Math.max(30_000, 60L * config.gossipIntervalMs()), new HeardBarrier.Outcome() {
      @Override
      public void heard() {
        then.run();
        m.reply(true);
      }

      @Override
      public void timedOut(List<String> waiting) {
        m.fail(504, what + " did not reach every member in time: not heard by " + describe(waiting)
            + (movesRanges ? " (ranges move only once every member knows; a member silent for downMemberGossipAfterMs, "
                + config.downMemberGossipAfterMs() / 1000 + " s, counts as dead; a dead one can be removed with kvctl removenode)" : ""));
      }
    });
  }

  /** "node2 (DOWN), node3 (UP)": who has not heard, with the status this node judges each to have. */
  private String describe(List<String> ids) {
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      Member m = table.snapshot().stream().filter(x -> x.nodeId().equals(id)).findFirst().orElse(null);
      out.add(id + " (" + (m == null ? "known only from other members' gossip, not reached yet" : m.status()) + ")");
    }
    return String.join(", ", out);
  }

  private static long clockOf(JsonObject body) {
    Object c = body.getValue("clock");
    if (c == null) {
      return 0;
    }
    if (!(c instanceof Number n) || n.longValue() < 0) {
      throw new IllegalArgumentException("field 'clock' must be a non-negative integer");
    }
    return n.longValue();
  }

  static List<Member> parseDigest(JsonObject body, int maxMembers) {
    Object nodes = body.getValue("nodes");
    if (!(nodes instanceof JsonArray arr)) {
      throw new IllegalArgumentException("field 'nodes' must be an array");
    }
    if (arr.size() > maxMembers) {
      throw new IllegalArgumentException(arr.size() + " entries; at most maxClusterNodes (" + maxMembers + ") are accepted");
    }
    List<Member> out = new ArrayList<>(arr.size());
    for (Object o : arr) {
      out.add(Member.fromJson(o));
    }
    return out;
  }

  private void absorb(List<Member> digest, long peerClock, String source) {
    // keeps clocks of gossiping nodes within about one round of each other (see HybridLogicalClock);
    // a clock beyond maxClockSkewMs is refused there, and counted and logged by its listener
    if (peerClock > 0) {
      clock.observe(peerClock);
    }
    for (Member m : table.merge(digest)) {
      log.info("[GOSSIP] New node discovered: " + m.nodeId() + " grpc=" + m.grpcAddress() + " peer=" + m.peerAddress());
    }
    publishIfChanged();
  }

  private void round() {
    metrics.gossipRound();
    table.tick();
    publishIfChanged();
    barrier.check();
    JsonObject body = digest();
    for (String target : targets()) {
      int colon = target.lastIndexOf(':');
      client.post(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon), "/gossip")
          .timeout(Math.max(200, config.gossipIntervalMs()))
          .sendJsonObject(body)
          .onSuccess(resp -> {
            if (resp.statusCode() == 200) {
              try {
                answered(target, resp.bodyAsJsonObject());
                if (eventDue("exchanged " + target)) {
                  log.event(() -> "[GOSSIP] exchanged digests with " + target + " (" + table.snapshot().size() + " members known)");
                }
              } catch (RuntimeException e) {
                log.warnLimited("gossip-answer", "[GOSSIP] bad answer from " + EventLog.quote(target) + ": " + e.getMessage());
              }
            } else if (resp.statusCode() == 409 && alone()) {
              // the cluster this node reached will not have it: staying up would only serve nobody
              fatal.accept("refused by the cluster at " + target + ": " + resp.bodyAsString().trim());
            } else {
              log.warnLimited("gossip-status", "[GOSSIP] " + EventLog.quote(target) + " answered HTTP " + resp.statusCode()
                  + ": " + EventLog.quote(resp.bodyAsString()));
            }
          })
          .onFailure(err -> {
            if (eventDue("unreachable " + target)) {
              log.event(() -> "[GOSSIP] " + target + " unreachable: " + err.getMessage());
            }
          });
    }
  }

  /** Routine gossip events (an exchange, an unreachable peer) reach the feed at most once per {@value #ROUTINE_EVENT_EVERY_MS} ms each. */
  private static final long ROUTINE_EVENT_EVERY_MS = 10_000;
  private final Map<String, Long> lastRoutineEvent = new HashMap<>();

  private boolean eventDue(String what) {
    long now = System.currentTimeMillis();
    Long last = lastRoutineEvent.get(what);
    if (last != null && now - last < ROUTINE_EVENT_EVERY_MS) {
      return false;
    }
    lastRoutineEvent.put(what, now);
    return true;
  }

  /** The answer of the node at {@code target}: its digest, and its word for its own entry, which confirms that entry. */
  private void answered(String target, JsonObject answer) {
    if (answer == null) {
      throw new IllegalArgumentException("not a JSON object");
    }
    List<Member> digest = parseDigest(answer, config.maxClusterNodes());
    Object from = answer.getValue("from");
    String refusal = refusalOf(ClusterSettings.fromJson(answer.getValue("cluster")), String.valueOf(from), digest);
    if (refusal != null) {
      metrics.refused("cluster_settings");
      log.warnLimited("gossip-settings", "[GOSSIP] not taking the answer of " + EventLog.quote(target) + ": " + refusal);
      return;
    }
    absorb(digest, clockOf(answer), target);
    heard(String.valueOf(from), digest);
    for (Member m : digest) {
      if (m.nodeId().equals(from) && m.peerAddress().equals(target)) {
        Member joined = table.confirm(m, target);
        if (joined != null) {
          log.info("[GOSSIP] New node discovered: " + joined.nodeId() + " grpc=" + joined.grpcAddress() + " peer=" + joined.peerAddress());
        }
        publishIfChanged();
      }
    }
  }

  /**
   * Seeds (until they are known members), up to FANOUT random live members, one silent member
   * (members DOWN longer than downMemberGossipAfterMs at most once a minute), and a few entries
   * waiting to be confirmed.
   */
  private List<String> targets() {
    Set<String> out = new LinkedHashSet<>();
    List<Member> members = table.snapshot();
    List<Member> live = new ArrayList<>();
    List<Member> notLive = new ArrayList<>();
    long now = System.currentTimeMillis();
    Map<String, Long> heard = table.lastHeard();
    for (Member m : members) {
      if (m.nodeId().equals(config.nodeId()) || m.status() == Status.LEFT) {
        continue;
      }
      if (m.status() == Status.UP) {
        live.add(m);
      } else if (now - heard.getOrDefault(m.nodeId(), now) < config.downMemberGossipAfterMs()
          || now - lastSentToSilent.getOrDefault(m.nodeId(), 0L) >= DOWN_MEMBER_GOSSIP_EVERY_MS) {
        notLive.add(m);
      }
    }
    for (String seed : config.seeds()) {
      if (!seed.equals(config.peerAddress())) {
        out.add(seed);
      }
    }
    Collections.shuffle(live);
    for (int i = 0; i < Math.min(FANOUT, live.size()); i++) {
      out.add(live.get(i).peerAddress());
    }
    // keep knocking on one silent member per round, so a restarted node is re-learned quickly
    if (!notLive.isEmpty()) {
      Collections.shuffle(notLive);
      Member m = notLive.get(0);
      out.add(m.peerAddress());
      lastSentToSilent.put(m.nodeId(), now);
    }
    for (String a : table.unconfirmedAddresses(PROBES)) {
      if (!a.equals(config.peerAddress())) {
        out.add(a);
      }
    }
    return new ArrayList<>(out);
  }

  /** True while this node has not met any other member: a refusal then means it has no cluster to serve. */
  private boolean alone() {
    return !table.heardAnyone();
  }

  private void publishIfChanged() {
    ClusterView before = views.current();
    ClusterView next = views.next(table.snapshot(), table.lastHeard());
    if (next != null) {
      if (before != null) {
        logTransitions(before, next);
      }
      view = next;
      moves.see(view.members().values());
      vertx.eventBus().publish(VIEW_ADDRESS, view);
      JsonArray entries = new JsonArray();
      for (Member m : view.members().values()) {
        if (!m.nodeId().equals(config.nodeId())) {
          entries.add(m.toJson());
        }
      }
      keep.accept(entries);
    }
  }

  /** The failure detector's verdicts and ring-state changes as they happen, one line each. */
  private void logTransitions(ClusterView before, ClusterView after) {
    for (Member m : after.members().values()) {
      Member was = before.member(m.nodeId());
      if (m.nodeId().equals(config.nodeId())) {
        continue;
      }
      if (was != null && was.status() != m.status()) {
        String phi = m.status() == Status.LEFT ? "" : String.format(" (phi %.1f)", table.phi(m.nodeId()));
        log.info("[FAILURE-DETECTOR] " + m.nodeId() + " is " + m.status() + ", was " + was.status() + phi);
      }
      if (was != null && was.state() != m.state()) {
        log.info("[GOSSIP] " + m.nodeId() + " is " + m.state() + ", was " + was.state());
      }
    }
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
