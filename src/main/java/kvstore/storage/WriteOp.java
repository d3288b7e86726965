package kvstore.storage;

/**
 * One change queued for the single writer. The changes queued together commit as one
 * {@link CommitGroup}: each adds its rows or statements to the group ({@link #plan}) and, once the
 * group has committed, answers its caller ({@link #answer}). A new kind of change is one class.
 */
interface WriteOp<R> {
  /** What this op weighs in a group; groups are cut at writeBatchMax. */
  int size();

  /** Adds this op's rows or statements to the group being built (on the writer's context). */
  void plan(CommitGroup group);

  /** After the group committed: this op's answer (and its effect on what it keeps in memory). */
  R answer(CommitGroup group);

  /** The group failed: nothing of it is stored. */
  default void failed() {
  }
}
