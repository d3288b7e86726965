package kvstore.storage;

import kvstore.config.NodeConfig;

import java.nio.file.Path;

/**
 * The node's SQLite database and how every connection to it is opened: the durability mode and
 * the page cache each connection keeps.
 */
public record SqliteFile(Path dir, String synchronous, int cacheMb) {
  /** SQLite checkpoints in the committing connection past this many WAL pages (its default is 1000); see {@link WalCheckpointVerticle}. */
  static final int WAL_AUTOCHECKPOINT_PAGES = 20_000;

  public static SqliteFile of(NodeConfig config) {
    return new SqliteFile(Path.of(config.dataDir()), config.storageSync(), config.sqliteCacheMb());
  }

  /** With the default page cache, for tools and tests. */
  public static SqliteFile of(Path dir, String synchronous) {
    return new SqliteFile(dir, synchronous, NodeConfig.SQLITE_CACHE_MB.defaultValue());
  }

  /** PRAGMAs in the URL reach every pooled connection; one run through a pool reaches only one connection. */
  String url() {
    // a negative cache_size is in KiB
    return "jdbc:sqlite:" + dir.resolve("kv.db").toAbsolutePath()
        + "?journal_mode=WAL&synchronous=" + synchronous + "&busy_timeout=10000&wal_autocheckpoint=" + WAL_AUTOCHECKPOINT_PAGES
        + "&cache_size=-" + cacheMb * 1024L;
  }
}
