package kvstore.paxos;

import kvstore.version.Versioned;
import kvstore.version.Versions;

import java.util.ArrayList;
import java.util.List;

/**
 * What a proposer learns from a quorum of promises. Either a proposal was accepted somewhere and
 * not committed anywhere the quorum knows of ({@link InProgress}): it may have been chosen, so the
 * proposer must propose it again under its own ballot and commit it before anything else; or the
 * key's state is settled ({@link Settled}), and the newest row among the answers is its current
 * value: every proposal chosen before was committed to a quorum, which meets this one.
 */
public final class Promises {
  private Promises() {
  }

  public sealed interface Outcome permits InProgress, Settled {
  }

  /** {@code row}: the proposal to finish (its version and origin stay, so finishing it twice stores one row). */
  public record InProgress(Ballot ballot, Versioned row, Ballot origin) implements Outcome {
  }

  /** What became of a proposal, as far as a quorum of promises can tell. */
  public enum Fate { COMMITTED, NOT_COMMITTED, UNKNOWN }

  /**
   * {@code current}: the newest row among the answers (null: no replica has the key);
   * {@code committed} and {@code committedOrigin}: the newest commit among them; {@code behind}: the
   * indexes of answers that have not seen that commit (the proposer re-commits it to them, so a
   * quorum remembers it before the next value is decided); {@code recentCommits}: each answer's
   * list of recent commit origins.
   */
  public record Settled(Versioned current, Ballot committed, Ballot committedOrigin, List<Integer> behind,
                        List<List<Ballot>> recentCommits) implements Outcome {
    /**
     * Whether the proposal first proposed under {@code origin} was committed. Once a quorum has seen
     * every commit (see {@code behind}), a committed proposal is in the recent commits of at least
     * one answer, unless that many commits followed it that every answer's list has moved past it.
     */
    public Fate fate(Ballot origin) {
      boolean movedPast = !recentCommits.isEmpty();
      for (List<Ballot> recent : recentCommits) {
        if (recent.contains(origin)) {
          return Fate.COMMITTED;
        }
        if (recent.size() < AcceptorState.RECENT_COMMITS || !recent.get(0).above(origin)) {
          movedPast = false;
        }
      }
      return movedPast ? Fate.UNKNOWN : Fate.NOT_COMMITTED;
    }
  }

  public static Outcome of(List<PaxosAnswer> promises) {
    Ballot committed = Ballot.NONE;
    Ballot origin = Ballot.NONE;
    for (PaxosAnswer a : promises) {
      if (a.committed().above(committed)) {
        committed = a.committed();
        origin = a.committedOrigin();
      }
    }
    PaxosAnswer newestAccepted = null;
    Versioned current = null;
    List<Integer> behind = new ArrayList<>();
    List<List<Ballot>> recent = new ArrayList<>();
    for (int i = 0; i < promises.size(); i++) {
      PaxosAnswer a = promises.get(i);
      if (a.acceptedRow() != null && a.accepted().above(committed)
          && (newestAccepted == null || a.accepted().above(newestAccepted.accepted()))) {
        newestAccepted = a;
      }
      if (a.current() != null && a.current().newerThan(current)) {
        current = a.current();
      }
      if (committed.above(a.committed())) {
        behind.add(i);
      }
      recent.add(a.recentCommits());
    }
    if (newestAccepted != null) {
      return new InProgress(newestAccepted.accepted(), newestAccepted.acceptedRow(), newestAccepted.acceptedOrigin());
    }
    return new Settled(current, committed, origin, behind, recent);
  }

  /**
   * The version a proposal writes: its ballot's time, and at least one millisecond above the
   * current row's, so each value of a key that CAS writes has its own {@code modified_at} (clients
   * see versions in milliseconds, and {@code expect_modified_at} must name exactly one value).
   */
  public static long versionFor(Ballot ballot, Versioned current) {
    long floor = current == null ? 0 : Versions.fromMillis(Versions.toMillis(current.version()) + 1);
    return Math.max(ballot.micros(), floor);
  }
}
