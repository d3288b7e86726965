package kvstore.quorum;

/** How many of a key's replicas must answer: the Dynamo W and R. */
public enum Consistency {
  ONE, QUORUM, ALL;

  public int required(int replicationFactor) {
    return switch (this) {
      case ONE -> 1;
      case QUORUM -> replicationFactor / 2 + 1;
      case ALL -> replicationFactor;
    };
  }
}
