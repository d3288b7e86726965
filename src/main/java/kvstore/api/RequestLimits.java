package kvstore.api;

import com.google.protobuf.ByteString;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import kvstore.version.Versions;

/** The network-facing limits on keys, values and versions; violations are INVALID_ARGUMENT naming the limit. */
public final class RequestLimits {
  private final int maxKeyBytes;
  private final int maxValueBytes;

  public RequestLimits(int maxKeyBytes, int maxValueBytes) {
    this.maxKeyBytes = maxKeyBytes;
    this.maxValueBytes = maxValueBytes;
  }

  /** Lengths are of the UTF-8 bytes on the wire, not of Java chars. */
  public void checkKey(ByteString keyUtf8) {
    if (keyUtf8.isEmpty()) {
      throw invalid("key must not be empty");
    }
    if (keyUtf8.size() > maxKeyBytes) {
      throw invalid("key is " + keyUtf8.size() + " bytes; the limit (maxKeyBytes) is " + maxKeyBytes);
    }
  }

  public void checkValue(ByteString valueUtf8) {
    if (valueUtf8.size() > maxValueBytes) {
      throw invalid("value is " + valueUtf8.size() + " bytes; the limit (maxValueBytes) is " + maxValueBytes);
    }
  }

  public void checkModifiedAt(long millis) {
    if (millis < 0 || millis > Versions.MAX_MILLIS) {
      throw invalid("modified_at must be 0 (stamp it for me) or milliseconds since the epoch, got " + millis);
    }
  }

  public static StatusException invalid(String message) {
    return new StatusException(GrpcStatus.INVALID_ARGUMENT, message);
  }
}
