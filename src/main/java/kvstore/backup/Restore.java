package kvstore.backup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Restores a stopped node's database from one of its snapshots. Nothing is written before the
 * snapshot proved to be this node's (node id, cluster, replication factor, vnodes) and whole
 * (every checksum). Then a {@value #MARKER} file records the restore under way (the node refuses
 * to start while it is there, and running the restore again finishes it), the snapshot is copied
 * beside the database, the current files are moved aside into {@code pre-restore-TIME/}, and the
 * copy takes the database's name. The node's state files (generation, clock bound, ring state)
 * stay: it is the same member, with older data.
 *
 * <p>A snapshot older than the tombstone grace period is refused unless the whole cluster is
 * restored from the same snapshot: the others may have purged tombstones of keys deleted since,
 * and this node would hand those keys back to them.
 */
public final class Restore {
  public static final String MARKER = "RESTORING";
  private static final String COPY = Snapshots.DB + ".restoring";
  private static final List<String> DB_FILES = List.of(Snapshots.DB, Snapshots.DB + "-wal", Snapshots.DB + "-shm");

  /** The node to restore, as its config says. */
  public record Target(Path dataDir, String nodeId, String clusterName, int replicationFactor, int vnodes, long tombstoneGraceMs) {
  }

  private Restore() {
  }

  /** Null when {@code m} may be restored on {@code t} now, else the line that says why not. Pure. */
  static String refusal(SnapshotManifest m, Target t, boolean wholeCluster, long nowMs) {
    if (!m.nodeId().equals(t.nodeId())) {
      return "snapshot '" + m.name() + "' holds the data of node '" + m.nodeId() + "', not of '" + t.nodeId() + "'";
    }
    if (!m.clusterName().equals(t.clusterName())) {
      return "snapshot '" + m.name() + "' is of cluster '" + m.clusterName() + "', this node is configured for '" + t.clusterName() + "'";
    }
    if (m.replicationFactor() != t.replicationFactor() || m.vnodes() != t.vnodes()) {
      return "snapshot '" + m.name() + "' was taken with replicationFactor " + m.replicationFactor() + " and vnodes " + m.vnodes()
          + ", this node is configured with " + t.replicationFactor() + " and " + t.vnodes();
    }
    long age = nowMs - m.createdMs();
    if (age > t.tombstoneGraceMs() && !wholeCluster) {
      return "snapshot '" + m.name() + "' is " + age / 1000 + " s old, older than tombstoneGraceMs (" + t.tombstoneGraceMs() / 1000
          + " s): the other replicas may have purged the tombstones of keys deleted since, and this node would bring them back. "
          + "Restore every node from the same snapshot (--whole-cluster), or rebuild this node from its replicas with replaceNode";
    }
    return null;
  }

  /** The ports of the node that answer: a restore under a running node would be lost or worse. */
  public static String running(List<String> hostPorts) {
    for (String hp : hostPorts) {
      int colon = hp.lastIndexOf(':');
      String host = hp.substring(0, colon);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host.equals("0.0.0.0") ? "127.0.0.1" : host, Integer.parseInt(hp.substring(colon + 1))), 500);
        return hp;
      } catch (IOException | IllegalArgumentException e) {
        // nothing listens there
      }
    }
    return null;
  }

  /**
   * Restores {@code snapshotDir} on {@code t}; answers the line to print. Fails with
   * {@link IllegalStateException} carrying one line when it refuses (nothing written then).
   */
  public static String run(Path snapshotDir, Target t, boolean wholeCluster, long nowMs) throws IOException {
    SnapshotManifest m;
    try {
      m = SnapshotManifest.read(snapshotDir);
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage());
    }
    String refused = refusal(m, t, wholeCluster, nowMs);
    if (refused != null) {
      throw new IllegalStateException(refused);
    }
    if (!m.files().containsKey(Snapshots.DB)) {
      throw new IllegalStateException("snapshot '" + m.name() + "' has no " + Snapshots.DB);
    }
    String damage = m.damage(snapshotDir);
    if (damage != null) {
      throw new IllegalStateException("snapshot '" + m.name() + "' in " + snapshotDir + " is damaged: " + damage + "; nothing was restored");
    }
    Path dir = t.dataDir();
    Files.createDirectories(dir);
    Path marker = dir.resolve(MARKER);
    Path aside;
    if (Files.exists(marker)) {
      aside = dir.resolve(Files.readString(marker).trim());
    } else {
      aside = dir.resolve("pre-restore-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
          .format(Instant.ofEpochMilli(nowMs)));
      Files.writeString(marker, aside.getFileName().toString() + "\n");
      Snapshots.sync(marker);
      Snapshots.sync(dir);
    }
    Path copy = dir.resolve(COPY);
    Files.copy(snapshotDir.resolve(Snapshots.DB), copy, StandardCopyOption.REPLACE_EXISTING);
    Snapshots.sync(copy);
    if (!SnapshotManifest.sha256(copy).equals(m.files().get(Snapshots.DB).sha256())) {
      throw new IllegalStateException("the copy of snapshot '" + m.name() + "' in " + copy + " does not match its checksum (disk trouble?); "
          + "run the restore again");
    }
    Files.createDirectories(aside);
    for (String f : DB_FILES) {
      Path p = dir.resolve(f);
      if (!Files.exists(p)) {
        continue;
      }
      if (Files.exists(aside.resolve(f))) {
        // a restore that stopped after the swap: this is the restored copy, the original is aside
        Files.delete(p);
      } else {
        Files.move(p, aside.resolve(f), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Snapshots.sync(aside);
    Files.move(copy, dir.resolve(Snapshots.DB), StandardCopyOption.ATOMIC_MOVE);
    Snapshots.sync(dir);
    Files.delete(marker);
    Snapshots.sync(dir);
    return "restored node " + t.nodeId() + " from snapshot '" + m.name() + "' (taken " + Instant.ofEpochMilli(m.createdMs()) + ", "
        + m.rows() + " rows); its previous data is in " + aside + " (delete it once the node runs well)";
  }
}
