package kvstore.api;

import com.google.protobuf.ByteString;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versions;

/**
 * The network-facing limits on keys, values and versions, the same for client and internal writes;
 * violations are INVALID_ARGUMENT naming the limit.
 */
public final class RequestLimits {
  private final int maxKeyBytes;
  private final int maxValueBytes;
  private final int maxMultiGetKeys;
  private final HybridLogicalClock clock;

  public RequestLimits(int maxKeyBytes, int maxValueBytes, int maxMultiGetKeys, HybridLogicalClock clock) {
    this.maxKeyBytes = maxKeyBytes;
    this.maxValueBytes = maxValueBytes;
    this.maxMultiGetKeys = maxMultiGetKeys;
    this.clock = clock;
  }

  public void checkKeyCount(int keys) {
    if (keys == 0) {
      throw invalid("a batch read needs at least one key");
    }
    if (keys > maxMultiGetKeys) {
      throw invalid("a batch read asks for " + keys + " keys; the limit (maxMultiGetKeys) is " + maxMultiGetKeys);
    }
  }

  /**
   * Bytes of keys and values one batch read answers with at most: half the gRPC message limit, so
   * the answer always fits; keys past it are answered RESOURCE_EXHAUSTED, to be asked for again.
   */
  public long batchAnswerBytes() {
    return 2L * maxValueBytes + 2L * maxKeyBytes + 32 * 1024;
  }

  /** Lengths are of the UTF-8 bytes on the wire, not of Java chars. */
  public void checkKey(ByteString keyUtf8) {
    if (keyUtf8.isEmpty()) {
      throw invalid("key must not be empty");
    }
    if (keyUtf8.size() > maxKeyBytes) {
      throw invalid("key is " + keyUtf8.size() + " bytes; the limit (maxKeyBytes) is " + maxKeyBytes);
    }
    if (!keyUtf8.isValidUtf8()) {
      throw invalid("key is not valid UTF-8");
    }
  }

  /** Values are strings in the client API, so a replica's bytes must be UTF-8 too, or a later Get could not answer them. */
  public void checkValue(ByteString valueUtf8) {
    if (valueUtf8.size() > maxValueBytes) {
      throw invalid("value is " + valueUtf8.size() + " bytes; the limit (maxValueBytes) is " + maxValueBytes);
    }
    if (!valueUtf8.isValidUtf8()) {
      throw invalid("value is not valid UTF-8");
    }
  }

  public void checkModifiedAt(long millis) {
    if (millis < 0 || millis > Versions.MAX_MILLIS) {
      throw invalid("modified_at must be 0 (stamp it for me) or milliseconds since the epoch, got " + millis);
    }
    if (millis > 0 && !clock.acceptable(Versions.fromMillis(millis))) {
      throw invalid("modified_at " + millis + " is more than maxClockSkewMs (" + clock.maxSkewMillis()
          + " ms) ahead of this node's clock; send milliseconds since the epoch, or 0 to let the node stamp it");
    }
  }

  /** A client's own stamp: 0 (none) or microseconds since the epoch, not beyond the skew bound. */
  public void checkTimestampUs(long micros) {
    if (micros < 0) {
      throw invalid("timestamp_us must be 0 (none) or microseconds since the epoch, got " + micros);
    }
    if (micros > 0 && !clock.acceptable(micros)) {
      throw invalid("timestamp_us " + micros + " is more than maxClockSkewMs (" + clock.maxSkewMillis()
          + " ms) ahead of this node's clock; send microseconds since the epoch, or 0 to let the node stamp it");
    }
  }

  /** The longest TTL a put may ask for: 100 years. */
  public static final long MAX_TTL_MS = 100L * 365 * 24 * 3600 * 1000;

  public void checkTtl(long ttlMs) {
    if (ttlMs < 0 || ttlMs > MAX_TTL_MS) {
      throw invalid("ttl_ms must be 0 (never expires) to " + MAX_TTL_MS + " (100 years), got " + ttlMs);
    }
  }

  /** A row's expiry from a peer: 0 (never) or ms since the epoch. */
  public void checkExpiry(long expiresAtMs) {
    if (expiresAtMs < 0) {
      throw invalid("row expires_at_ms must be 0 (never) or ms since the epoch, got " + expiresAtMs);
    }
  }

  /** A row version from a peer: positive and not beyond the skew bound (which would freeze the key). */
  public void checkVersion(long version) {
    if (version <= 0) {
      throw invalid("row version must be positive, got " + version);
    }
    if (!clock.acceptable(version)) {
      throw invalid("row version " + version + " is more than maxClockSkewMs (" + clock.maxSkewMillis()
          + " ms) ahead of this node's clock");
    }
  }

  /** A row from a peer: its key, value, version and expiry within the limits, and no value on a tombstone. */
  public void checkRow(kvstore.replica.proto.ReplicaProto.Row r) {
    checkKey(r.getKeyBytes());
    checkValue(r.getValue());
    checkVersion(r.getVersion());
    checkExpiry(r.getExpiresAtMs());
    if (r.getTombstone() && !r.getValue().isEmpty()) {
      throw invalid("a tombstone row carries no value");
    }
  }

  public static StatusException invalid(String message) {
    return new StatusException(GrpcStatus.INVALID_ARGUMENT, message);
  }
}
