package kvstore.storage;

import kvstore.version.Versioned;

import java.util.List;

/** Event-bus addresses and bodies of the storage verticle; bodies travel by reference (local codec). */
public final class StorageMessages {
  public static final String WRITE = "kv.storage.write";
  public static final String READ = "kv.storage.read";
  public static final String CHUNK = "kv.storage.chunk";
  public static final String TOKEN_RANGES = "kv.storage.token.ranges";
  public static final String SCAN = "kv.storage.scan";
  /** Keys whose rows are deleted for good (cleanup); answers how many were. */
  public static final String FORGET = "kv.storage.forget";
  public static final String REBUILD_TREES = "kv.storage.trees.rebuild";
  public static final String COUNT = "kv.storage.count";
  public static final String HINTS_ADD = "kv.storage.hints.add";
  public static final String HINTS_READ = "kv.storage.hints.read";
  public static final String HINTS_DROP = "kv.storage.hints.drop";
  public static final String HINT_COUNTS = "kv.storage.hints.counts";

  private StorageMessages() {
  }

  public record WriteRows(List<Versioned> rows) {
  }

  public record StoredVersions(long[] versions) {
  }

  public record ChunkRows(List<Versioned> rows) {
  }

  public record TokenRanges(List<long[]> ranges) {
  }

  public record ForgetKeys(List<String> keys) {
  }

  public record AddHints(List<Hint> hints) {
  }

  public record HintQuery(String target, int limit) {
  }

  public record HintBatch(List<Hint> hints) {
  }

  public record DropHints(String target, List<Long> ids) {
  }

  public record HintCounts(java.util.Map<String, Long> counts) {
  }
}
