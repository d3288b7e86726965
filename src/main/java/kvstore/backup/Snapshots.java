package kvstore.backup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node's snapshots, in {@code dataDir/snapshots/NAME/}: {@code kv.db}, a consistent copy of the
 * database written by {@code VACUUM INTO} on a connection of its own (a read transaction: writers
 * go on, the WAL only stops being checkpointed past it meanwhile), and its {@link SnapshotManifest}.
 * A snapshot is built in {@code NAME.partial} and renamed once complete and synced, so a crash
 * leaves no half snapshot that looks whole. Blocking: the node calls it on worker threads.
 */
public final class Snapshots {
  public static final String DIR = "snapshots";
  public static final String DB = "kv.db";
  private static final String PARTIAL = ".partial";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Whose snapshots these are: written into every manifest. */
  public record Owner(String nodeId, String clusterName, int replicationFactor, int vnodes, List<Long> tokens) {
  }

  private final Path dataDir;
  private final Owner owner;
  private final LongSupplier clockMs;

  public Snapshots(Path dataDir, Owner owner, LongSupplier clockMs) {
    this.dataDir = dataDir;
    this.owner = owner;
    this.clockMs = clockMs;
  }

  /** Null when {@code name} may name a snapshot, else why not. */
  public static String invalidName(String name) {
    return name != null && NAME.matcher(name).matches() && !name.endsWith(PARTIAL) ? null
        : "snapshot name must be 1..64 letters, digits, '.', '_' or '-', starting with a letter or digit";
  }

  Path root() {
    return dataDir.resolve(DIR);
  }

  /** Takes snapshot {@code name} of the database; fails with {@link FileAlreadyExistsException} when it exists. */
  public SnapshotManifest create(String name) throws IOException, SQLException {
    String bad = invalidName(name);
    if (bad != null) {
      throw new IllegalArgumentException(bad);
    }
    Files.createDirectories(root());
    Path done = root().resolve(name);
    if (Files.exists(done)) {
      throw new FileAlreadyExistsException("snapshot '" + name + "' exists on " + owner.nodeId());
    }
    Path partial = root().resolve(name + PARTIAL);
    try {
      Files.createDirectory(partial);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException("snapshot '" + name + "' is being taken on " + owner.nodeId());
    }
    try {
      long created = clockMs.getAsLong();
      Path db = partial.resolve(DB);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(DB).toAbsolutePath());
           Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 10000");
        s.execute("VACUUM INTO '" + db.toAbsolutePath().toString().replace("'", "''") + "'");
      }
      sync(db);
      long rows = rows(db);
      SnapshotManifest m = new SnapshotManifest(name, owner.nodeId(), owner.clusterName(), owner.replicationFactor(), owner.vnodes(),
          owner.tokens(), created, rows, Map.of(DB, new SnapshotManifest.FileSum(Files.size(db), SnapshotManifest.sha256(db))));
      Path manifest = partial.resolve(SnapshotManifest.FILE);
      Files.writeString(manifest, m.toJson().encodePrettily());
      sync(manifest);
      Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
      sync(root());
      return m;
    } catch (IOException | SQLException | RuntimeException e) {
      deleteTree(partial);
      throw e;
    }
  }

  /** Every complete snapshot, oldest first. */
  public List<SnapshotManifest> list() throws IOException {
    List<SnapshotManifest> out = new ArrayList<>();
    if (!Files.isDirectory(root())) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root())) {
      for (Path d : dirs) {
        if (Files.isDirectory(d) && !d.getFileName().toString().endsWith(PARTIAL) && Files.exists(d.resolve(SnapshotManifest.FILE))) {
          out.add(SnapshotManifest.read(d));
        }
      }
    }
    out.sort(Comparator.comparingLong(SnapshotManifest::createdMs));
    return out;
  }

  /** Deletes snapshot {@code name}; false when there is none. */
  public boolean delete(String name) throws IOException {
    if (invalidName(name) != null) {
      throw new IllegalArgumentException(invalidName(name));
    }
    Path d = root().resolve(name);
    if (!Files.isDirectory(d)) {
      return false;
    }
    // renamed first, so a crash half-way leaves a .partial that no list shows
    Path doomed = root().resolve(name + ".deleting" + PARTIAL);
    Files.move(d, doomed, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(doomed);
    return true;
  }

  /** Bytes all snapshots take on disk (partial ones included). */
  public long bytes() throws IOException {
    if (!Files.isDirectory(root())) {
      return 0;
    }
    try (Stream<Path> all = Files.walk(root())) {
      return all.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  static long rows(Path db) throws SQLException {
    org.sqlite.SQLiteConfig readOnly = new org.sqlite.SQLiteConfig();
    readOnly.setReadOnly(true);
    try (Connection c = readOnly.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
         Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM kv")) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  static void sync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path x : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
