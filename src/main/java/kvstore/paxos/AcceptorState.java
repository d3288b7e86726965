package kvstore.paxos;

import kvstore.version.Versioned;

/**
 * What one replica remembers of a key's Paxos rounds: the highest ballot it promised, the proposal
 * it accepted last (null once a commit at or above its ballot arrived) with the ballot it was
 * first proposed under ({@code acceptedOrigin}: a proposal finished by another round keeps it), and
 * the newest ballot committed here with the origin of that commit's proposal. Origins let a
 * proposer tell its own proposal from another's with the same value and version. Stored durably
 * beside the key's row; kept until it is old enough to prune.
 */
public record AcceptorState(Ballot promised, Ballot accepted, Versioned acceptedRow, Ballot acceptedOrigin, Ballot committed,
                            Ballot committedOrigin) {
  public static final AcceptorState EMPTY = new AcceptorState(Ballot.NONE, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE);

  /** An accepted proposal this replica has not seen committed. */
  public boolean hasInProgress() {
    return acceptedRow != null && accepted.above(committed);
  }
}
