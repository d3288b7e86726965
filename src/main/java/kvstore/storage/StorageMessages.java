package kvstore.storage;

import kvstore.version.Versioned;

import java.util.List;

/** Event-bus addresses and bodies of the storage verticle; bodies travel by reference (local codec). */
public final class StorageMessages {
  public static final String WRITE = "kv.storage.write";
  public static final String READ = "kv.storage.read";
  public static final String CHUNK = "kv.storage.chunk";
  public static final String COUNT = "kv.storage.count";

  private StorageMessages() {
  }

  public record WriteRows(List<Versioned> rows) {
  }

  public record StoredVersions(long[] versions) {
  }

  public record ChunkRows(List<Versioned> rows) {
  }
}
