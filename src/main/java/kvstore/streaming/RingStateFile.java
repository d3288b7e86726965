package kvstore.streaming;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import kvstore.config.NodeConfig;

import java.nio.file.Path;

/**
 * {@code ring-state} in the data directory: NORMAL once this node has been part of the ring (a
 * restart does not bootstrap again), LEFT once it has left (its data may be stale: it must not
 * come back with it). No file: the node has never joined.
 */
public final class RingStateFile {
  private RingStateFile() {
  }

  public static Path path(NodeConfig config) {
    return Path.of(config.dataDir(), "ring-state");
  }

  /** The recorded state, or "" when the node never joined. */
  public static Future<String> read(Vertx vertx, NodeConfig config) {
    String p = path(config).toString();
    return vertx.fileSystem().exists(p).compose(exists -> exists
        ? vertx.fileSystem().readFile(p).map(b -> b.toString().trim())
        : Future.succeededFuture(""));
  }

  /** Writes the state durably: a temporary file, fsynced, renamed over the old one. */
  public static Future<Void> write(Vertx vertx, NodeConfig config, String state) {
    String p = path(config).toString();
    String tmp = p + ".tmp";
    return vertx.fileSystem().open(tmp, new io.vertx.core.file.OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true).setDsync(true))
        .compose(f -> f.write(Buffer.buffer(state + "\n")).compose(v -> f.close()))
        .compose(v -> vertx.fileSystem().move(tmp, p, new io.vertx.core.file.CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }
}
