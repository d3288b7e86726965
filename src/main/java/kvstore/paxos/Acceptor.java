package kvstore.paxos;

import kvstore.version.Versioned;

/**
 * The acceptor's side of Paxos for one key, as transitions of its {@link AcceptorState}: the caller
 * stores {@link Step#next} durably before it sends {@link Step#answer}, or a replica that crashed
 * after answering could promise or accept twice.
 */
public final class Acceptor {
  private Acceptor() {
  }

  /** The state to store (the same object when nothing changed) and the answer to send after. */
  public record Step(AcceptorState next, PaxosAnswer answer) {
    public boolean changed(AcceptorState before) {
      return next != before;
    }
  }

  /**
   * Promises never to accept a lower ballot, if none as high was promised or committed here;
   * answers with the proposal accepted here and not yet committed (the proposer must finish it) and
   * with {@code current}, the key's stored row, so the promise round is also the read. It names the
   * recent commits whose origin is at or above {@code since} (the proposer's oldest proposal whose
   * fate it does not know; NONE: it has none, and hears of none), or all of them when it no longer
   * remembers back to {@code since}.
   */
  public static Step prepare(AcceptorState s, Ballot ballot, Versioned current) {
    return prepare(s, ballot, current, Ballot.NONE);
  }

  public static Step prepare(AcceptorState s, Ballot ballot, Versioned current, Ballot since) {
    if (!ballot.above(s.promised()) || !ballot.above(s.committed())) {
      return new Step(s, refused(s));
    }
    AcceptorState next = new AcceptorState(ballot, s.accepted(), s.acceptedRow(), s.acceptedOrigin(), s.committed(), s.committedOrigin(),
        s.recentCommits());
    boolean inProgress = s.hasInProgress();
    return new Step(next, new PaxosAnswer(true, ballot, inProgress ? s.accepted() : Ballot.NONE, inProgress ? s.acceptedRow() : null,
        inProgress ? s.acceptedOrigin() : Ballot.NONE, s.committed(), s.committedOrigin(), recentSince(s.recentCommits(), since), current));
  }

  /**
   * Accepts the proposal unless a higher ballot was promised, or a ballot at or above it was
   * already committed here (a round that late can no longer be chosen).
   */
  public static Step propose(AcceptorState s, Ballot ballot, Versioned row, Ballot origin) {
    if (s.promised().above(ballot) || !ballot.above(s.committed())) {
      return new Step(s, refused(s));
    }
    AcceptorState next = new AcceptorState(ballot, ballot, row, origin, s.committed(), s.committedOrigin(), s.recentCommits());
    return new Step(next, PaxosAnswer.ok(ballot));
  }

  /**
   * Records the commit (the row itself is stored by last-write-wins beside it); an accepted
   * proposal at or below this ballot is settled by it. Always answers ok: a commit is a fact, not
   * a request.
   */
  public static Step commit(AcceptorState s, Ballot ballot, Ballot origin) {
    boolean settled = s.acceptedRow() != null && !s.accepted().above(ballot);
    java.util.List<Ballot> recent = new java.util.ArrayList<>(s.recentCommits());
    if (!recent.contains(origin)) {
      recent.add(origin);
      if (recent.size() > AcceptorState.RECENT_COMMITS) {
        recent.remove(0);
      }
    }
    boolean newest = ballot.above(s.committed());
    AcceptorState next = new AcceptorState(s.promised(), settled ? Ballot.NONE : s.accepted(), settled ? null : s.acceptedRow(),
        settled ? Ballot.NONE : s.acceptedOrigin(), newest ? ballot : s.committed(), newest ? origin : s.committedOrigin(), recent);
    return new Step(next, PaxosAnswer.ok(ballot));
  }

  private static java.util.List<Ballot> recentSince(java.util.List<Ballot> recent, Ballot since) {
    if (since.equals(Ballot.NONE)) {
      return java.util.List.of();
    }
    if (recent.size() == AcceptorState.RECENT_COMMITS && recent.get(0).above(since)) {
      return recent; // forgotten back to since: the whole list says so
    }
    return recent.stream().filter(b -> !since.above(b)).toList();
  }

  private static PaxosAnswer refused(AcceptorState s) {
    return PaxosAnswer.refused(Ballot.max(s.promised(), s.committed()));
  }
}
