package kvstore.node;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kvstore.log.EventLog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code node-state.json} in the data directory: whose data this is (node id, cluster name), a
 * bound above every version the node has given out, the last gossip generation it used, when
 * it last heard from another member, and the members it last knew (so that a restarted node's ring
 * has every member before it has reached them all). Read once at start ({@link StartChecks} decides from it);
 * written as a temporary file, fsynced and renamed, off the event loop, one write at a time, each
 * with the newest values.
 */
final class NodeStateFile {
  static final String NAME = "node-state.json";

  /**
   * What the file holds; 0 where nothing is known yet. {@code joined}: the generation of the first
   * run on this data directory (see {@link kvstore.membership.Member#joined}).
   */
  record State(String nodeId, String clusterName, long clockMark, long generation, long lastContactMs, JsonArray members, long joined) {
    State(String nodeId, String clusterName, long clockMark, long generation, long lastContactMs) {
      this(nodeId, clusterName, clockMark, generation, lastContactMs, new JsonArray(), 0);
    }

    JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId).put("clusterName", clusterName).put("clockMark", clockMark)
          .put("generation", generation).put("joined", joined).put("lastContactMs", lastContactMs).put("members", members);
    }

    static State fromJson(JsonObject j) {
      return new State(j.getString("nodeId", ""), j.getString("clusterName", ""), j.getLong("clockMark", 0L),
          j.getLong("generation", 0L), j.getLong("lastContactMs", 0L), j.getJsonArray("members", new JsonArray()), j.getLong("joined", 0L));
    }

    State withMembers(JsonArray m) {
      return new State(nodeId, clusterName, clockMark, generation, lastContactMs, m, joined);
    }
  }

  private final Vertx vertx;
  private final Path path;
  private final EventLog log;
  private State state;
  private boolean writing;
  private boolean dirty;

  NodeStateFile(Vertx vertx, Path dataDir, State initial, EventLog log) {
    this.vertx = vertx;
    this.path = dataDir.resolve(NAME);
    this.state = initial;
    this.log = log;
  }

  /** The file's contents, or null when there is none (a new or wiped data directory, or one from before the file existed). */
  static State read(Path dataDir) {
    Path p = dataDir.resolve(NAME);
    if (!Files.isRegularFile(p)) {
      return null;
    }
    try {
      return State.fromJson(new JsonObject(Files.readString(p, StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(p + " cannot be read (" + e.getMessage() + "); it records whose data " + dataDir
          + " holds: restore it, or wipe the directory and rebuild the node from its replicas (replaceNode)");
    }
  }

  /** Writes {@code s} durably, on the caller's thread: for the start, before any verticle runs. */
  static void writeNow(Path dataDir, State s) throws IOException {
    Files.createDirectories(dataDir);
    Path p = dataDir.resolve(NAME);
    Path tmp = dataDir.resolve(NAME + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(StandardCharsets.UTF_8.encode(s.toJson().encode() + "\n"));
      ch.force(true);
    }
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  synchronized State state() {
    return state;
  }

  /** Records a new bound above every version given out; written at once (the clock waits for nothing). */
  void clockMark(long mark) {
    update(s -> new State(s.nodeId(), s.clusterName(), Math.max(s.clockMark(), mark), s.generation(), s.lastContactMs(), s.members(),
        s.joined()));
  }

  void contact(long nowMs) {
    update(s -> new State(s.nodeId(), s.clusterName(), s.clockMark(), s.generation(), Math.max(s.lastContactMs(), nowMs), s.members(),
        s.joined()));
  }

  /** Records the members this node knows now (their gossip entries); written when they change. */
  void members(JsonArray entries) {
    synchronized (this) {
      if (state.members().equals(entries)) {
        return;
      }
    }
    update(s -> s.withMembers(entries));
  }

  private void update(java.util.function.UnaryOperator<State> change) {
    synchronized (this) {
      state = change.apply(state);
      dirty = true;
      if (writing) {
        return;
      }
      writing = true;
    }
    writeLoop();
  }

  /** Writes until no change is left unwritten; one write in flight at a time. */
  private void writeLoop() {
    State s;
    synchronized (this) {
      if (!dirty) {
        writing = false;
        return;
      }
      dirty = false;
      s = state;
    }
    vertx.executeBlocking(() -> {
      writeNow(path.getParent(), s);
      return null;
    }, false).onComplete(ar -> {
      if (ar.succeeded()) {
        writeLoop();
        return;
      }
      log.warnLimited("node-state", "cannot write " + path + " (" + ar.cause().getMessage() + "); trying again every second");
      synchronized (this) {
        dirty = true;
      }
      vertx.setTimer(1000, t -> writeLoop());
    });
  }
}
