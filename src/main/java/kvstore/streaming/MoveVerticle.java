package kvstore.streaming;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.rxjava3.core.RxHelper;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.Member;
import kvstore.membership.RingState;
import kvstore.membership.Status;
import kvstore.membership.ViewSubscription;
import kvstore.rpc.PeerClients;
import kvstore.security.ClusterTls;
import kvstore.storage.EventBusStorage;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the range movements, one change at a time: {@link Bootstrap} or {@link Replace} of this
 * node when it starts JOINING or REPLACING (retried until done), and {@link Decommission},
 * {@link RemoveNode} and {@link Cleanup} when an operator asks. Each move's progress is published
 * on {@link #PROGRESS}, about once a second and at its end.
 */
public final class MoveVerticle extends VerticleBase {
  public static final String DECOMMISSION = "kv.move.decommission";
  public static final String REMOVE_NODE = "kv.move.removenode";
  public static final String CLEANUP = "kv.move.cleanup";
  /** Ends a decommission (body "") or a removenode (body: the dead node's id) that failed half-way. */
  public static final String ABORT = "kv.move.abort";
  public static final String STATUS = "kv.move.status";
  /** Each move's progress (a serialized MoveProgress). */
  public static final String PROGRESS = "kv.move.progress";
  private static final long RETRY_MS = 5000;

  private final NodeConfig config;
  private final ClusterTls tls;
  private final EventLog log;
  private final RingState initialState;
  private final Consumer<String> exit;
  private ViewSubscription view;
  private GrpcClient peers;
  private MoveSteps steps;
  private MoveStats current;
  private long progressTimer = -1;

  /** {@code exit}: called with a last line once this node has left the cluster (decommission). */
  public MoveVerticle(NodeConfig config, ClusterTls tls, EventLog log, RingState initialState, Consumer<String> exit) {
    this.config = config;
    this.tls = tls;
    this.log = log;
    this.initialState = initialState;
    this.exit = exit;
  }

  @Override
  public Future<?> start() {
    return ViewSubscription.subscribe(vertx, v -> { }).map(sub -> {
      view = sub;
      peers = PeerClients.create(vertx, config, tls, Math.max(30_000, config.requestTimeoutMs()));
      steps = new MoveSteps(config, log, vertx, view, new EventBusStorage(vertx.eventBus(), config.storageTimeoutMs()), peers,
          RxHelper.scheduler(io.vertx.rxjava3.core.Context.newInstance(context)));
      vertx.eventBus().<String>consumer(DECOMMISSION, m -> run(m, "decommission", "", new Decommission(steps, exit)::run));
      vertx.eventBus().<String>consumer(REMOVE_NODE, m -> run(m, "removenode", m.body(), new RemoveNode(steps, m.body())::run));
      vertx.eventBus().<String>consumer(CLEANUP, m -> run(m, "cleanup", "", new Cleanup(steps)::run));
      vertx.eventBus().<String>consumer(ABORT, this::abort);
      vertx.eventBus().consumer(STATUS, m -> m.reply(current == null ? null : current.toProto().toByteArray()));
      progressTimer = vertx.setPeriodic(1000, t -> {
        if (current != null && !current.done()) {
          publish();
        }
      });
      if (initialState == RingState.JOINING) {
        untilDone("bootstrap", "[BOOTSTRAP]", new Bootstrap(steps)::run);
      } else if (initialState == RingState.REPLACING) {
        untilDone("replace", "[REPLACE]", new Replace(steps)::run);
      }
      return null;
    });
  }

  private void publish() {
    vertx.eventBus().publish(PROGRESS, current.toProto().toByteArray());
  }

  /** This node's own entry into the ring: tried again until it is done, since the node serves no reads before. */
  private void untilDone(String kind, String tag, Function<MoveStats, Future<String>> move) {
    current = new MoveStats(kind);
    move.apply(current).onComplete(ar -> {
      if (ar.succeeded()) {
        current.finish(true, ar.result());
        log.info(tag + " done: " + current.line());
        publish();
      } else {
        log.warn(tag + " " + ar.cause().getMessage() + "; trying again in " + RETRY_MS / 1000 + " s");
        current.note(ar.cause().getMessage());
        vertx.setTimer(RETRY_MS, t -> untilDone(kind, tag, move));
      }
    });
  }

  /** Starts a move asked for by an operator, unless one is already running; answers at once, progress follows on PROGRESS. */
  private void run(Message<String> m, String kind, String target, Function<MoveStats, Future<String>> move) {
    String busy = busy(kind, target);
    if (busy != null) {
      m.fail(409, kind + " refused: " + busy + "; one change to the ring at a time");
      return;
    }
    current = new MoveStats(kind);
    m.reply(true);
    publish();
    move.apply(current).onComplete(ar -> {
      current.finish(ar.succeeded(), ar.succeeded() ? ar.result() : ar.cause().getMessage());
      log.info("[MOVE] " + current.line());
      publish();
    });
  }

  /**
   * What keeps a change from starting now, or null. The move that failed half-way and left its node
   * LEAVING (a decommission of this node, a removenode of that node) may run again: streaming is
   * idempotent, so a retry picks up where the first attempt left the rows.
   */
  private String busy(String kind, String target) {
    if (current != null && !current.done()) {
      return "this node is running a " + current.kind();
    }
    ClusterView v = view.get();
    for (Member m : v.members().values()) {
      if (m.status() == Status.LEFT || m.state() == RingState.NORMAL) {
        continue;
      }
      boolean retry = (kind.equals("decommission") && m.nodeId().equals(v.selfId()) && m.state() == RingState.LEAVING)
          || (kind.equals("removenode") && m.nodeId().equals(target) && (m.state() == RingState.LEAVING || m.state() == RingState.JOINING));
      if (!retry) {
        return "node " + m.nodeId() + " is " + m.state() + (m.state() == RingState.LEAVING
            ? " (if its move failed, retry it, or abort it: kvctl decommission [--abort] --node <that node>, or kvctl removenode "
                + m.nodeId() + " [--abort] for a dead one)" : "");
      }
    }
    return null;
  }

  /** Back to the rings before a move that failed half-way; refused while a move runs here. */
  private void abort(Message<String> m) {
    if (current != null && !current.done()) {
      m.fail(409, "this node is running a " + current.kind() + "; it can be aborted once it has stopped");
      return;
    }
    ClusterView v = view.get();
    String nodeId = m.body().isEmpty() ? v.selfId() : m.body();
    Member x = v.member(nodeId);
    if (x == null || x.state() != RingState.LEAVING) {
      m.fail(409, "node " + nodeId + " is " + (x == null ? "not a member" : x.state().toString()) + ", not LEAVING: there is no move of it to abort");
      return;
    }
    boolean self = nodeId.equals(v.selfId());
    Future<Object> announced = self ? steps.announce(RingState.NORMAL.name()) : steps.request(kvstore.membership.GossipVerticle.RESTORE, nodeId);
    announced.onComplete(ar -> {
      if (ar.failed()) {
        m.fail(409, ar.cause().getMessage());
        return;
      }
      String line = (self ? "decommission" : "removenode of " + nodeId) + " aborted: " + nodeId
          + " is NORMAL again, the ring as before; rows already streamed stay on their would-be owners until kvctl cleanup there";
      log.info("[MOVE] " + line);
      m.reply(line);
    });
  }

  @Override
  public Future<?> stop() {
    if (progressTimer >= 0) {
      vertx.cancelTimer(progressTimer);
    }
    return peers == null ? Future.succeededFuture() : peers.close();
  }
}
