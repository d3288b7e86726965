package kvstore.storage;

import io.vertx.core.eventbus.ReplyException;

/**
 * A write this node's storage could not make because its disk is full. It fails as that one
 * replica's failure, with a message naming the disk, never as an internal error: the coordinator
 * counts it like an unreachable replica (another replica acknowledges, a hint waits on a node with
 * room), and the node goes on serving reads and recovers by itself once space is freed.
 */
public final class DiskFull extends RuntimeException {
  /** The event-bus failure code of a storage reply that failed on a full disk (HTTP's 507 Insufficient Storage). */
  public static final int FAILURE_CODE = 507;

  public DiskFull(String dataDir) {
    super("the disk of dataDir " + dataDir + " is full: this replica cannot store writes until space is freed", null, false, false);
  }

  /** Whether {@code err} or one of its causes is SQLite's or the file system's "disk full". */
  public static boolean causedBy(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof DiskFull) {
        return true;
      }
      if (t instanceof org.sqlite.SQLiteException s && s.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_FULL) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && (m.contains("SQLITE_FULL") || m.contains("No space left on device") || m.contains("database or disk is full"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether a storage reply failed because the disk is full. */
  public static boolean reported(Throwable err) {
    return err instanceof ReplyException r && r.failureCode() == FAILURE_CODE;
  }
}
