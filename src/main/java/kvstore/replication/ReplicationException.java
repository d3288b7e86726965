package kvstore.replication;

/** Too few replicas answered to meet the requested consistency; the message says how many. */
public final class ReplicationException extends RuntimeException {
  public ReplicationException(String message) {
    super(message, null, false, false);
  }
}
