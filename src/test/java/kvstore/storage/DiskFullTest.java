package kvstore.storage;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskFullTest {
  @Test
  void sqlitesAndTheFileSystemsDiskFullAreRecognizedAtAnyDepth() {
    assertTrue(DiskFull.causedBy(new SQLiteException("[SQLITE_FULL] database or disk is full", SQLiteErrorCode.SQLITE_FULL)));
    assertTrue(DiskFull.causedBy(new RuntimeException("commit failed", new IOException("No space left on device"))));
    assertTrue(DiskFull.causedBy(new DiskFull("/data")));
    assertFalse(DiskFull.causedBy(new SQLiteException("[SQLITE_CORRUPT] malformed", SQLiteErrorCode.SQLITE_CORRUPT)));
    assertFalse(DiskFull.causedBy(new IOException("Permission denied")));
    assertFalse(DiskFull.causedBy(null));
  }

  @Test
  void aStorageReplyThatFailedOnAFullDiskIsToldApartAndNamesTheDirectory() {
    DiskFull full = new DiskFull("/var/lib/kvstore");
    assertTrue(full.getMessage().contains("/var/lib/kvstore") && full.getMessage().contains("full"), full.getMessage());
    assertTrue(DiskFull.reported(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, DiskFull.FAILURE_CODE, full.getMessage())));
    assertFalse(DiskFull.reported(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "other")));
  }
}
