package kvstore.membership;

/**
 * A member's place in the ring, announced by the node itself (or, for a dead node being removed,
 * by the node the operator asked): JOINING nodes receive writes for the ranges they will own but
 * serve no reads until they streamed those ranges; LEAVING nodes still own their ranges while they
 * stream them to the nodes that take them over.
 */
public enum RingState {
  /** A fresh node under a dead node's id (replaceNode): in the ring with the dead node's ranges, written to, not read from until it streamed them. */
  REPLACING,
  JOINING, NORMAL, LEAVING;

  /** In the ring reads and writes use now. */
  public boolean ownsNow() {
    return this != JOINING;
  }

  /** Answers reads for the ranges it owns. */
  public boolean serves() {
    return this == NORMAL || this == LEAVING;
  }

  /** In the ring as it will be once the move in progress is done. */
  public boolean ownsAfterMove() {
    return this != LEAVING;
  }
}
