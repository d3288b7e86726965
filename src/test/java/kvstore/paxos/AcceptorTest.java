package kvstore.paxos;

import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The acceptor's transitions and what a proposer concludes from promises, without any I/O. */
class AcceptorTest {
  private static final Ballot B1 = new Ballot(1_000, "node1");
  private static final Ballot B2 = new Ballot(2_000, "node2");
  private static final Ballot B2_NODE3 = new Ballot(2_000, "node3");

  private static Versioned row(String value, long version) {
    return new Versioned("k", value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  @Test
  void ballotsOrderByTimeThenNode() {
    assertTrue(B2.above(B1));
    assertTrue(B2_NODE3.above(B2));
    assertTrue(B1.above(Ballot.NONE));
    assertFalse(B1.above(B1));
  }

  @Test
  void aPromiseRefusesEqualAndLowerBallots() {
    Acceptor.Step first = Acceptor.prepare(AcceptorState.EMPTY, B2, null);
    assertTrue(first.answer().ok());
    AcceptorState promised = first.next();
    Acceptor.Step same = Acceptor.prepare(promised, B2, null);
    assertFalse(same.answer().ok(), "a ballot is promised once");
    assertSame(promised, same.next(), "a refusal changes nothing to store");
    Acceptor.Step lower = Acceptor.prepare(promised, B1, null);
    assertFalse(lower.answer().ok());
    assertEquals(B2, lower.answer().promised(), "the refusal names the ballot that won");
    assertFalse(Acceptor.propose(promised, B1, row("late", 1_000), B1).answer().ok(), "a proposal under a promise is refused");
    assertTrue(Acceptor.propose(promised, B2, row("v", 2_000), B2).answer().ok(), "the promised ballot itself is accepted");
  }

  @Test
  void aPromiseCarriesTheRowAndAnyProposalNotYetCommitted() {
    Versioned stored = row("old", 500);
    AcceptorState accepted = Acceptor.propose(Acceptor.prepare(AcceptorState.EMPTY, B1, stored).next(), B1, row("new", 1_000), B1).next();
    PaxosAnswer promise = Acceptor.prepare(accepted, B2, stored).answer();
    assertTrue(promise.ok());
    assertEquals(stored, promise.current());
    assertEquals(B1, promise.accepted());
    assertEquals(row("new", 1_000), promise.acceptedRow());

    assertEquals(B1, promise.acceptedOrigin());
    AcceptorState committed = Acceptor.commit(accepted, B1, B1).next();
    assertNull(committed.acceptedRow(), "a commit at the accepted ballot settles it");
    assertEquals(B1, committed.committed());
    PaxosAnswer after = Acceptor.prepare(committed, B2, row("new", 1_000)).answer();
    assertNull(after.acceptedRow(), "nothing in progress once committed");
    assertEquals(B1, after.committed());
    assertEquals(B1, after.committedOrigin(), "the commit names the proposal it settled");
    assertEquals(List.of(B1), Acceptor.prepare(committed, B2, null, B1).answer().recentCommits());
    assertFalse(Acceptor.prepare(Acceptor.commit(AcceptorState.EMPTY, B2, B2).next(), B1, null).answer().ok(),
        "a ballot at or below a commit here is refused");
  }

  @Test
  void aCommitOfAnOlderBallotLeavesANewerAcceptanceInProgress() {
    AcceptorState s = Acceptor.propose(AcceptorState.EMPTY, B2, row("b2", 2_000), B2).next();
    AcceptorState after = Acceptor.commit(s, B1, B1).next();
    assertTrue(after.hasInProgress());
    assertEquals(B1, after.committed());
    assertFalse(Acceptor.propose(Acceptor.commit(AcceptorState.EMPTY, B2, B2).next(), B2, row("x", 2_000), B2).answer().ok(),
        "a round at or below a committed ballot can no longer be chosen");
  }

  @Test
  void promisesFinishTheNewestProposalAboveEveryCommit() {
    PaxosAnswer stale = new PaxosAnswer(true, B2, B1, row("stale", 1_000), B1, Ballot.NONE, Ballot.NONE, List.of(), null);
    PaxosAnswer sawCommit = new PaxosAnswer(true, B2, Ballot.NONE, null, Ballot.NONE, B1, B1, List.of(B1), row("stale", 1_000));
    Promises.Settled settled = (Promises.Settled) Promises.of(List.of(stale, sawCommit));
    assertEquals(row("stale", 1_000), settled.current(), "a proposal some replica saw committed is settled; its row is current");
    assertEquals(B1, settled.committedOrigin());
    assertEquals(List.of(0), settled.behind(), "the first promiser missed the commit: the proposer re-commits it there");
    assertEquals(Promises.Fate.COMMITTED, settled.fate(B1));
    assertEquals(Promises.Fate.NOT_COMMITTED, settled.fate(B2));

    PaxosAnswer newer = new PaxosAnswer(true, B2_NODE3, B2, row("newer", 2_000), B1, B1, B1, List.of(B1), row("stale", 1_000));
    assertEquals(new Promises.InProgress(B2, row("newer", 2_000), B1), Promises.of(List.of(stale, newer)),
        "the highest accepted ballot above every commit is finished, keeping its origin");
  }

  @Test
  void recentCommitsForgetTheOldestAndTheFateOfAProposalPastThemIsUnknown() {
    AcceptorState s = AcceptorState.EMPTY;
    for (int i = 1; i <= AcceptorState.RECENT_COMMITS + 1; i++) {
      Ballot b = new Ballot(i * 1_000L, "n");
      s = Acceptor.commit(s, b, b).next();
    }
    assertEquals(AcceptorState.RECENT_COMMITS, s.recentCommits().size());
    assertEquals(new Ballot(2_000, "n"), s.recentCommits().get(0), "the oldest went");
    Ballot forgotten = new Ballot(1_000, "n");
    PaxosAnswer full = Acceptor.prepare(s, new Ballot(99_000, "n"), null, forgotten).answer();
    assertEquals(AcceptorState.RECENT_COMMITS, full.recentCommits().size(), "it says it remembers no further back");
    Promises.Settled settled = (Promises.Settled) Promises.of(List.of(full, full));
    assertEquals(Promises.Fate.UNKNOWN, settled.fate(forgotten), "forgotten: nobody can tell");
    PaxosAnswer from = Acceptor.prepare(s, new Ballot(99_000, "n"), null, new Ballot(2_500, "n")).answer();
    assertEquals(AcceptorState.RECENT_COMMITS - 1, from.recentCommits().size(), "only the commits from the asked origin on");
    Promises.Settled asked = (Promises.Settled) Promises.of(List.of(from, from));
    assertEquals(Promises.Fate.NOT_COMMITTED, asked.fate(new Ballot(2_500, "n")), "within what they remember, and not there");
    assertEquals(Promises.Fate.COMMITTED, asked.fate(new Ballot(3_000, "n")));
    assertEquals(List.of(), Acceptor.prepare(s, new Ballot(99_000, "n"), null).answer().recentCommits(), "nothing asked, nothing sent");
  }

  @Test
  void theCurrentRowIsTheNewestAmongTheAnswers() {
    PaxosAnswer a = new PaxosAnswer(true, B2, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of(), row("a", 1_000));
    PaxosAnswer b = new PaxosAnswer(true, B2, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of(), row("b", 3_000));
    PaxosAnswer none = new PaxosAnswer(true, B2, Ballot.NONE, null, Ballot.NONE, Ballot.NONE, Ballot.NONE, List.of(), null);
    assertEquals(row("b", 3_000), ((Promises.Settled) Promises.of(List.of(a, none, b))).current());
    assertEquals(null, ((Promises.Settled) Promises.of(List.of(none, none))).current());
  }

  @Test
  void eachWrittenVersionHasItsOwnMillisecond() {
    Versioned current = row("c", 5_000_123);
    assertEquals(5_001_000, Promises.versionFor(new Ballot(5_000_200, "n"), current), "one ms above the current row's");
    assertEquals(9_000_000, Promises.versionFor(new Ballot(9_000_000, "n"), current), "the ballot's time when later");
    assertEquals(7, Promises.versionFor(new Ballot(7, "n"), null));
  }

  @Test
  void conditions() {
    Versioned live = row("v", 5_000_123);
    Versioned gone = Versioned.tombstone("k", 6_000_000);
    Versioned expired = new Versioned("k", "v".getBytes(StandardCharsets.UTF_8), 1_000, false, 10);
    assertTrue(new CasCondition.Absent().holds(null, 100));
    assertTrue(new CasCondition.Absent().holds(gone, 100));
    assertTrue(new CasCondition.Absent().holds(expired, 100));
    assertFalse(new CasCondition.Absent().holds(live, 100));
    assertTrue(new CasCondition.ModifiedAt(5_000).holds(live, 100));
    assertFalse(new CasCondition.ModifiedAt(5_001).holds(live, 100));
    assertFalse(new CasCondition.ModifiedAt(6_000).holds(gone, 100), "a deleted key has no version to match");
    assertTrue(new CasCondition.Value("v".getBytes(StandardCharsets.UTF_8)).holds(live, 100));
    assertFalse(new CasCondition.Value(new byte[0]).holds(null, 100), "a missing key equals no value");
    assertFalse(new CasCondition.Value("v".getBytes(StandardCharsets.UTF_8)).holds(expired, 100));
  }
}
