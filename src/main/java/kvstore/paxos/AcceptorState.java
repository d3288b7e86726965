package kvstore.paxos;

import kvstore.version.Versioned;

import java.util.List;

/**
 * What one replica remembers of a key's Paxos rounds: the highest ballot it promised, the proposal
 * it accepted last (null once a commit at or above its ballot arrived) with the ballot it was
 * first proposed under ({@code acceptedOrigin}: a proposal finished by another round keeps it), the
 * newest ballot committed here with its proposal's origin, and the origins of the last {@link #RECENT_COMMITS} proposals
 * committed here, oldest first. Origins let a proposer whose round was cut short learn whether its
 * proposal was committed after all, by whichever round finished it. Stored durably beside the
 * key's row; kept until it is old enough to prune.
 */
public record AcceptorState(Ballot promised, Ballot accepted, Versioned acceptedRow, Ballot acceptedOrigin, Ballot committed,
                            Ballot committedOrigin, List<Ballot> recentCommits) {
  /** Enough for a proposer that lost a round to find its proposal among the commits that followed it. */
  public static final int RECENT_COMMITS = 64;
  public static final AcceptorState EMPTY = new AcceptorState(Ballot.NONE, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of());

  public AcceptorState {
    recentCommits = List.copyOf(recentCommits);
  }

  /** An accepted proposal this replica has not seen committed. */
  public boolean hasInProgress() {
    return acceptedRow != null && accepted.above(committed);
  }
}
