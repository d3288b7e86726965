package kvstore.paxos;

import kvstore.version.Versioned;

import java.util.List;

/**
 * A replica's answer to a {@link PaxosCall}. {@code ok}: promised (prepare), accepted (propose) or
 * stored (commit); when not ok, {@code promised} is the higher ballot it holds (or its newest
 * commit, when that is higher). A prepare's answer also carries the proposal accepted here and not
 * known committed ({@code acceptedRow}, else null) with its origin, the newest ballot committed
 * here with its proposal's origin, the origins of its recent commits, and the key's stored row ({@code current}, null when none).
 */
public record PaxosAnswer(boolean ok, Ballot promised, Ballot accepted, Versioned acceptedRow, Ballot acceptedOrigin, Ballot committed,
                          Ballot committedOrigin, List<Ballot> recentCommits, Versioned current) {
  public PaxosAnswer {
    recentCommits = List.copyOf(recentCommits);
  }

  /** A refusal naming the ballot that won. */
  public static PaxosAnswer refused(Ballot higher) {
    return new PaxosAnswer(false, higher, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of(), null);
  }

  /** A plain ok, with nothing to report (a propose's or commit's answer). */
  public static PaxosAnswer ok(Ballot ballot) {
    return new PaxosAnswer(true, ballot, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of(), null);
  }
}
