package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.log.EventLog;
import kvstore.paxos.AcceptorState;
import kvstore.paxos.Ballot;
import kvstore.paxos.CasCondition;
import kvstore.membership.ClusterView;
import kvstore.membership.Member;
import kvstore.membership.RingState;
import kvstore.membership.Status;
import kvstore.metrics.NodeMetrics;
import kvstore.quorum.Consistency;
import kvstore.ring.Ring;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;
import kvstore.version.Versions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator against replica doubles (Voldemort's FailingStore and SleepyStore): working,
 * failing, holding an answer until the test releases it, or already holding a newer version; with
 * injected wall clocks. No network, no timers, no sleeps: every future completes when a double
 * answers, so each outcome is decided by the test.
 */
class CoordinatorTest {
  private static final String SELF = "n1";
  private final AtomicLong wall = new AtomicLong(1_800_000_000_000L);
  private final HybridLogicalClock clock = new HybridLogicalClock(wall::get, 10_000);
  private final Map<String, FakeReplica> replicas = new HashMap<>();
  private final List<String> hints = new ArrayList<>();
  private final NodeMetrics metrics = new NodeMetrics("test");
  private final Map<String, Status> status = new HashMap<>(Map.of("n1", Status.UP, "n2", Status.UP, "n3", Status.UP));
  private final Map<String, Long> lastHeard = new HashMap<>();

  /**
   * A replica double; LWW storage in a map unless told to fail, to hold its answers, or to race:
   * then a concurrent writer's newer version lands just before each write.
   */
  private static final class FakeReplica implements Replica {
    enum Mode { WORKS, FAILS, HOLDS, RACES }

    final String id;
    Mode mode = Mode.WORKS;
    final Map<String, Versioned> rows = new HashMap<>();
    final List<Runnable> held = new ArrayList<>();
    final List<String> calls = new ArrayList<>();

    FakeReplica(String id) {
      this.id = id;
    }

    @Override
    public String nodeId() {
      return id;
    }

    @Override
    public Future<Long> write(Versioned row, boolean clockStamped) {
      calls.add("write " + row.key() + (row.tombstone() ? " tombstone" : ""));
      if (mode == Mode.RACES) {
        rows.put(row.key(), new Versioned(row.key(), "racer".getBytes(StandardCharsets.UTF_8), row.version() + 1, false, 0));
      }
      return answer(() -> {
        Versioned old = rows.get(row.key());
        if (row.newerThan(old)) {
          rows.put(row.key(), row);
        }
        return rows.get(row.key()).version();
      });
    }

    @Override
    public Future<Versioned> read(String key) {
      calls.add("read " + key);
      return answer(() -> rows.get(key));
    }

    final Map<String, kvstore.paxos.AcceptorState> paxos = new HashMap<>();

    @Override
    public Future<kvstore.paxos.PaxosAnswer> paxos(kvstore.paxos.PaxosCall call) {
      calls.add("paxos " + call.phase() + " " + call.key());
      return answer(() -> {
        kvstore.paxos.AcceptorState s = paxos.getOrDefault(call.key(), kvstore.paxos.AcceptorState.EMPTY);
        kvstore.paxos.Acceptor.Step step = switch (call.phase()) {
          case PREPARE -> kvstore.paxos.Acceptor.prepare(s, call.ballot(), rows.get(call.key()), call.origin());
          case PROPOSE -> kvstore.paxos.Acceptor.propose(s, call.ballot(), call.row(), call.origin());
          case COMMIT -> {
            if (call.row().newerThan(rows.get(call.key()))) {
              rows.put(call.key(), call.row());
            }
            yield kvstore.paxos.Acceptor.commit(s, call.ballot(), call.origin());
          }
        };
        paxos.put(call.key(), step.next());
        return step.answer();
      });
    }

    private <T> Future<T> answer(java.util.function.Supplier<T> op) {
      if (mode == Mode.FAILS) {
        return Future.failedFuture("disk on fire");
      }
      if (mode == Mode.HOLDS) {
        Promise<T> p = Promise.promise();
        held.add(() -> p.complete(op.get()));
        return p.future();
      }
      return Future.succeededFuture(op.get());
    }

    void release() {
      List<Runnable> now = new ArrayList<>(held);
      held.clear();
      now.forEach(Runnable::run);
    }

    /** Answers one held call, chosen by {@code random}. */
    void releaseOne(java.util.Random random) {
      held.remove(random.nextInt(held.size())).run();
    }
  }

  /** Announced ring states; NORMAL when absent. */
  private final Map<String, RingState> states = new HashMap<>();

  private ClusterView view() {
    return view(SELF);
  }

  private ClusterView view(String self) {
    List<Member> members = new ArrayList<>();
    List<String> now = new ArrayList<>();
    for (var e : status.entrySet()) {
      RingState st = states.getOrDefault(e.getKey(), RingState.NORMAL);
      members.add(new Member(e.getKey(), "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", 1, 1, e.getValue(), st));
      if (st != RingState.JOINING) {
        now.add(e.getKey());
      }
    }
    Ring ring = Ring.of(now, 16);
    Ring future = now.size() == status.size() ? ring : Ring.of(status.keySet(), 16);
    return ClusterView.of(self, members, ring, future, lastHeard);
  }

  /** Of n2 and n3, the replica that keeps the key when n4 takes {@code loser}'s place. */
  private static String staying(String loser) {
    return "n2".equals(loser) ? "n3" : "n2";
  }

  /** A key whose replicas change when n4 joins: n4 takes the place of {@code loser}, the other two stay. */
  private String keyMovingTo(String joiner, String[] loserOut) {
    Ring now = Ring.of(List.of("n1", "n2", "n3"), 16);
    Ring after = Ring.of(List.of("n1", "n2", "n3", joiner), 16);
    for (int i = 0; ; i++) {
      String k = "k" + i;
      List<String> before = now.preferenceList(k, 3);
      List<String> next = after.preferenceList(k, 3);
      if (next.contains(joiner) && next.contains(SELF)) {
        for (String n : before) {
          if (!next.contains(n)) {
            loserOut[0] = n;
          }
        }
        return k;
      }
    }
  }

  @Test
  void whileANodeJoinsAWriteNeedsWInTheRingBeforeAndInTheRingAfter() {
    status.put("n4", Status.UP);
    states.put("n4", RingState.JOINING);
    Coordinator c = coordinator(3_600_000);
    String[] loser = new String[1];
    String key = keyMovingTo("n4", loser);
    String stays = staying(loser[0]);
    // before the move the quorum is SELF + loser; after it, SELF + n4: n4 must answer first
    replicas.get(stays).mode = FakeReplica.Mode.FAILS;
    replicas.get("n4").mode = FakeReplica.Mode.HOLDS;
    Future<Long> w = c.write(key, "v".getBytes(), false, 0, Consistency.QUORUM);
    assertFalse(w.isComplete(), "two acks of the current replicas, one of the future ones: not yet");
    replicas.get("n4").release();
    assertTrue(w.succeeded(), String.valueOf(w.cause()));
    assertTrue(replicas.get("n4").rows.containsKey(key), "the pending replica has the write");
    assertTrue(replicas.get(loser[0]).rows.containsKey(key), "so does the replica that is giving the range up");
  }

  @Test
  void aJoiningNodeNeverCountsAmongTheReplicasThatServeNorDoesOneStillReplacingADeadNode() {
    status.put("n4", Status.UP);
    states.put("n4", RingState.JOINING);
    Coordinator c = coordinator(3_600_000);
    String[] loser = new String[1];
    String key = keyMovingTo("n4", loser);
    assertTrue(c.write(key, "v".getBytes(), false, 0, Consistency.ALL).succeeded());
    assertTrue(c.read(key, Consistency.ALL).succeeded());
    String stays = staying(loser[0]);
    replicas.get(loser[0]).mode = FakeReplica.Mode.FAILS;
    replicas.get(stays).mode = FakeReplica.Mode.FAILS;
    Future<Versioned> joinerAndSelf = c.read(key, Consistency.QUORUM);
    assertTrue(joinerAndSelf.failed(), "n1 and the joining n4 answered: two of the replicas after the move, one of those that serve now");
    assertTrue(joinerAndSelf.cause().getMessage().contains("answered by 1 of 2 required replicas and 2 of 2 of the replicas after the move"),
        joinerAndSelf.cause().getMessage());
    replicas.get(loser[0]).mode = FakeReplica.Mode.WORKS;
    replicas.get(stays).mode = FakeReplica.Mode.WORKS;

    states.put("n4", RingState.NORMAL);
    status.remove("n4");
    states.put("n3", RingState.REPLACING);
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    assertTrue(c.read("other", Consistency.QUORUM).failed(), "n1 answers, n2 fails, and n3 is not asked");
    assertFalse(replicas.get("n3").calls.contains("read other"), "a replacement is not read before it has streamed its ranges");
    states.put("n2", RingState.REPLACING);
    Future<Versioned> r = c.read("other", Consistency.QUORUM);
    assertTrue(r.failed());
    assertTrue(r.cause().getMessage().contains("needs 2 replicas (QUORUM of RF 3) but only 1 of ") && r.cause().getMessage().contains("serve reads now"), r.cause().getMessage());
  }

  private Coordinator coordinator(long hintWindowMs) {
    for (String id : status.keySet()) {
      replicas.putIfAbsent(id, new FakeReplica(id));
    }
    return new Coordinator(this::view, replicas::get, clock, 3, (target, row) -> hints.add(target + " " + row.key()),
        hintWindowMs, wall::get, metrics, new EventLog(SELF, false));
  }

  /** Backoff timers of the proposers, run when the test says. */
  private final List<Runnable> timers = new ArrayList<>();

  private PaxosProposer proposer(String self) {
    return proposer(self, false);
  }

  private PaxosProposer proposer(String self, boolean waitForCommit) {
    for (String id : status.keySet()) {
      replicas.putIfAbsent(id, new FakeReplica(id));
    }
    return new PaxosProposer(() -> view(self), replicas::get, clock, 3, 5_000, waitForCommit, wall::get, (ms, task) -> timers.add(task), metrics,
        new EventLog(self, false));
  }

  private static Versioned value(String key, String value) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), 0, false);
  }

  private static String text(PaxosProposer.Result r) {
    return r.current() == null ? null : new String(r.current().value(), StandardCharsets.UTF_8);
  }

  @Test
  void aCompareAndSetAppliesOnlyWhenItsConditionHolds() {
    PaxosProposer p = proposer(SELF);
    PaxosProposer.Result first = p.compareAndSet(new CasCondition.Absent(), value("lock", "alice")).result();
    assertTrue(first.applied());
    PaxosProposer.Result second = p.compareAndSet(new CasCondition.Absent(), value("lock", "bob")).result();
    assertFalse(second.applied(), "the key exists now");
    assertEquals("alice", text(second), "a refused CAS answers the current value");
    long version = kvstore.version.Versions.toMillis(first.current().version());
    assertFalse(p.compareAndSet(new CasCondition.ModifiedAt(version - 1), value("lock", "bob")).result().applied());
    PaxosProposer.Result third = p.compareAndSet(new CasCondition.ModifiedAt(version), value("lock", "bob")).result();
    assertTrue(third.applied());
    assertTrue(third.current().version() >= kvstore.version.Versions.fromMillis(version + 1), "each CAS value has its own millisecond");
    for (String n : List.of("n1", "n2", "n3")) {
      assertEquals("bob", new String(replicas.get(n).rows.get("lock").value(), StandardCharsets.UTF_8), n + " holds the committed row");
    }
    assertEquals("bob", text(p.serialRead("lock").result()));
  }

  /** Calls on one key through one coordinator wait for each other instead of competing for ballots. */
  @Test
  void callsOnOneKeyThroughOneCoordinatorRunOneAfterTheOther() {
    PaxosProposer p = proposer(SELF);
    replicas.values().forEach(r -> r.mode = FakeReplica.Mode.HOLDS);
    Future<PaxosProposer.Result> first = p.compareAndSet(new CasCondition.Absent(), value("hot", "a"));
    Future<PaxosProposer.Result> second = p.compareAndSet(new CasCondition.Absent(), value("hot", "b"));
    Future<PaxosProposer.Result> read = p.serialRead("hot");
    Future<PaxosProposer.Result> other = p.serialRead("cold");
    assertEquals(List.of("paxos PREPARE hot", "paxos PREPARE cold"), replicas.get("n2").calls, "only the first call on hot has begun");
    replicas.values().forEach(r -> r.mode = FakeReplica.Mode.WORKS);
    for (int i = 0; i < 4 && !read.isComplete(); i++) {
      replicas.values().forEach(FakeReplica::release);
    }
    assertTrue(first.result().applied());
    assertFalse(second.result().applied(), "the second saw the first's value, without a round lost to it");
    assertEquals("a", text(second.result()));
    assertEquals("a", text(read.result()));
    assertTrue(other.succeeded());
    assertEquals(0, metrics.registry().find("kv.cas").tag("event", "contended").counters().size(), "no round was lost");
  }

  /** A replica that never answers cannot hold a key's queue on a coordinator past the call's deadline. */
  @Test
  void aCallWhoseRepliesNeverComeEndsAtItsDeadlineAndTheNextCallOnTheKeyRuns() {
    PaxosProposer p = proposer(SELF);
    replicas.get("n2").mode = FakeReplica.Mode.HOLDS;
    replicas.get("n3").mode = FakeReplica.Mode.HOLDS;
    Future<PaxosProposer.Result> stuck = p.compareAndSet(new CasCondition.Absent(), value("lock", "a"));
    Future<PaxosProposer.Result> next = p.serialRead("lock");
    new ArrayList<>(timers).forEach(Runnable::run);
    assertFalse(stuck.isComplete(), "not before its deadline");
    wall.addAndGet(5_000);
    List<Runnable> due = new ArrayList<>(timers);
    timers.clear();
    due.forEach(Runnable::run);
    assertTrue(stuck.failed());
    assertTrue(stuck.cause().getMessage().contains("a replica did not answer in time") && stuck.cause().getMessage().contains("nothing was written"),
        stuck.cause().getMessage());
    assertTrue(next.failed(), "queued behind it with the same deadline, it starts and ends at once");
    replicas.get("n2").mode = FakeReplica.Mode.WORKS;
    replicas.get("n3").mode = FakeReplica.Mode.WORKS;
    assertTrue(p.compareAndSet(new CasCondition.Absent(), value("lock", "b")).result().applied(), "the key's queue moves on");
  }

  @Test
  void withoutAQuorumACompareAndSetFailsAndSaysNothingWasWritten() {
    PaxosProposer p = proposer(SELF);
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    replicas.get("n3").mode = FakeReplica.Mode.FAILS;
    Future<PaxosProposer.Result> r = p.compareAndSet(new CasCondition.Absent(), value("k", "v"));
    assertTrue(r.failed());
    assertTrue(r.cause().getMessage().contains("prepare reached 1 of 2 replicas") && r.cause().getMessage().contains("nothing was written"),
        r.cause().getMessage());
    assertFalse(replicas.get("n1").rows.containsKey("k"));
  }

  @Test
  void aProposalAcceptedByOneReplicaOnlyIsFinishedByTheNextRound() {
    PaxosProposer p = proposer(SELF);
    Versioned orphan = new Versioned("k", "orphan".getBytes(StandardCharsets.UTF_8), 42_000, false);
    Ballot old = new Ballot(42_000, "n9");
    replicas.get("n3").paxos.put("k", new AcceptorState(old, old, orphan, old, Ballot.NONE, Ballot.NONE, List.of()));
    replicas.get("n1").mode = FakeReplica.Mode.FAILS; // the quorum must be n2 and n3
    PaxosProposer.Result read = p.serialRead("k").result();
    assertEquals("orphan", text(read), "a SERIAL read finishes what it finds in progress, and then sees it");
    assertEquals(orphan, replicas.get("n2").rows.get("k"), "committed with its own version");
    assertFalse(replicas.get("n3").paxos.get("k").hasInProgress());
  }

  @Test
  void aJoiningReplicaRaisesTheQuorum() {
    status.put("n4", Status.UP);
    states.put("n4", RingState.JOINING);
    PaxosProposer p = proposer(SELF);
    String key = keyMovingTo("n4", new String[1]);
    replicas.get("n4").mode = FakeReplica.Mode.FAILS;
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    Future<PaxosProposer.Result> r = p.compareAndSet(new CasCondition.Absent(), value(key, "v"));
    assertTrue(r.failed(), "2 of 4 participants is not a quorum of 3 plus the pending one");
    assertTrue(r.cause().getMessage().contains("of 3 replicas"), r.cause().getMessage());
    replicas.get("n4").mode = FakeReplica.Mode.WORKS;
    assertTrue(p.compareAndSet(new CasCondition.Absent(), value(key, "v")).result().applied());
    assertTrue(replicas.get("n4").rows.containsKey(key), "the joining replica has the commit");
  }

  /**
   * The same for plain QUORUM: a write through a coordinator that sees the join ended reaches n1's
   * staying partner and n4 only; a read through one that still sees it under way must not answer
   * from n1 and the replica giving the range up alone.
   */
  @Test
  void aWriteOnlyTheJoinerAndTheStayingReplicaHoldIsStillRead() {
    status.put("n4", Status.UP);
    String[] loser = new String[1];
    String key = keyMovingTo("n4", loser);
    String stays = staying(loser[0]);
    Coordinator joined = coordinator(3_600_000);
    replicas.get(SELF).mode = FakeReplica.Mode.FAILS;
    assertTrue(joined.write(key, "v1".getBytes(), false, 0, Consistency.QUORUM).succeeded());
    assertFalse(replicas.get(loser[0]).rows.containsKey(key));

    states.put("n4", RingState.JOINING);
    replicas.get(SELF).mode = FakeReplica.Mode.WORKS;
    replicas.get(stays).mode = FakeReplica.Mode.FAILS;
    Future<Versioned> r = coordinator(3_600_000).read(key, Consistency.QUORUM);
    assertTrue(r.succeeded(), "n1 and the replica giving the range up answered, and n4 of the replicas after the move");
    assertEquals("v1", new String(r.result().value(), StandardCharsets.UTF_8));
  }

  /**
   * A join ends while coordinators disagree on it for a gossip round: one already sees n4 NORMAL
   * (quorum 2 of n1, the replica that stays, n4), one still sees it JOINING (quorum 3 of all four).
   * A CAS committed through the first on the staying replica and n4 only must be what a SERIAL
   * read through the second returns, though n4 is in its quorum as a replica still streaming.
   */
  @Test
  void aCommitOnlyAJoiningReplicaOfTheQuorumHoldsIsStillRead() {
    status.put("n4", Status.UP);
    String[] loser = new String[1];
    String key = keyMovingTo("n4", loser);
    String stays = staying(loser[0]);
    PaxosProposer joined = proposer(SELF);
    replicas.get(SELF).mode = FakeReplica.Mode.FAILS;
    assertTrue(joined.compareAndSet(new CasCondition.Absent(), value(key, "v1")).result().applied());
    assertFalse(replicas.get(loser[0]).rows.containsKey(key), "the replica giving the range up is no participant in the ring after");

    states.put("n4", RingState.JOINING);
    replicas.get(SELF).mode = FakeReplica.Mode.WORKS;
    replicas.get(stays).mode = FakeReplica.Mode.FAILS;
    PaxosProposer joining = proposer("n2".equals(stays) ? "n3" : "n2");
    assertEquals("v1", text(joining.serialRead(key).result()), "the quorum is n1, the replica giving the range up, and n4");
    assertFalse(joining.compareAndSet(new CasCondition.Absent(), value(key, "v2")).result().applied(), "the key is there");
  }

  /**
   * Proposers on three nodes at once, every replica answer and backoff timer run in a random order
   * (300 seeds, half answering once a proposal is chosen, half once it is committed). Of the CASes that expected the key absent at most one applies and the others that
   * were decided answer its value; a proposer whose round was cut short learns from the replicas'
   * recent commits whether its proposal was committed after all, so none ends indeterminate (and
   * one that did could only fail as such, never answer "not applied"). A counter incremented by
   * CAS on the value ends between the applied increments and those plus the indeterminate ones.
   */
  @Test
  void competingProposersInAnyInterleavingNeverApplyTwiceNorDenyAnApply() {
    int indeterminate = 0;
    int operations = 0;
    for (int seed = 0; seed < 300; seed++) {
      java.util.Random random = new java.util.Random(seed);
      replicas.clear();
      timers.clear();
      boolean wait = seed % 2 == 1; // odd seeds answer after the commit, even ones once chosen
      List<PaxosProposer> ps = List.of(proposer("n1", wait), proposer("n2", wait), proposer("n3", wait));
      replicas.values().forEach(r -> r.mode = FakeReplica.Mode.HOLDS);
      List<Future<PaxosProposer.Result>> claims = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        claims.add(ps.get(i).compareAndSet(new CasCondition.Absent(), value("claim", "owner" + i)));
      }
      runUntilDone(random, claims);
      replicas.values().forEach(r -> r.mode = FakeReplica.Mode.WORKS);
      String owner = text(ps.get(0).serialRead("claim").result());
      replicas.values().forEach(r -> r.mode = FakeReplica.Mode.HOLDS);
      int applied = 0;
      for (int i = 0; i < 3; i++) {
        Future<PaxosProposer.Result> c = claims.get(i);
        operations++;
        if (c.failed()) {
          assertTrue(c.cause().getMessage().contains("may or may not have applied"), "seed " + seed + ": " + c.cause());
          indeterminate++;
          continue;
        }
        assertEquals(owner, text(c.result()), "seed " + seed + ": every decided answer names the one owner");
        if (c.result().applied()) {
          applied++;
          assertEquals("owner" + i, owner, "seed " + seed);
        }
      }
      assertTrue(applied <= 1, "seed " + seed);
      assertTrue(owner != null, "seed " + seed + ": some claim took effect");
      int[] done = {0};
      int[] unknown = {0};
      List<Future<PaxosProposer.Result>> incs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        incs.add(increment(ps.get(i), "counter", done, unknown));
      }
      runUntilDone(random, incs);
      for (Future<PaxosProposer.Result> f : incs) {
        assertTrue(f.succeeded(), "seed " + seed + ": " + f.cause());
      }
      operations += 3;
      indeterminate += unknown[0];
      replicas.values().forEach(r -> r.mode = FakeReplica.Mode.WORKS);
      PaxosProposer.Result end = ps.get(0).serialRead("counter").result();
      int n = end.current() == null ? 0 : Integer.parseInt(text(end));
      assertTrue(n >= done[0] && n <= done[0] + unknown[0], "seed " + seed + ": counter " + n + " after " + done[0]
          + " applied and " + unknown[0] + " indeterminate increments");
    }
    assertEquals(0, indeterminate, "contention alone never leaves an outcome unknown (" + operations + " operations)");
  }

  /**
   * Sets the counter one up from what it reads at SERIAL (absent = 0), again after a lost condition;
   * an indeterminate CAS ends the increment (a client cannot know whether to retry it).
   */
  private Future<PaxosProposer.Result> increment(PaxosProposer p, String key, int[] done, int[] unknown) {
    return p.serialRead(key).compose(r -> {
      int n = r.current() == null || r.current().tombstone() ? 0 : Integer.parseInt(text(r));
      CasCondition c = n == 0 ? new CasCondition.Absent() : new CasCondition.Value(String.valueOf(n).getBytes(StandardCharsets.UTF_8));
      return p.compareAndSet(c, value(key, String.valueOf(n + 1))).recover(err -> {
        unknown[0]++;
        return Future.succeededFuture(new PaxosProposer.Result(true, null));
      });
    }).compose(r -> {
      if (r.applied()) {
        if (r.current() != null) {
          done[0]++;
        }
        return Future.succeededFuture(r);
      }
      return increment(p, key, done, unknown);
    });
  }

  /** Answers held replica calls and fires backoff timers one at a time, in a random order, until every future is done. */
  private void runUntilDone(java.util.Random random, List<Future<PaxosProposer.Result>> futures) {
    for (int step = 0; step < 100_000; step++) {
      if (futures.stream().allMatch(Future::isComplete)) {
        return;
      }
      List<FakeReplica> busy = replicas.values().stream().filter(r -> !r.held.isEmpty()).sorted(
          java.util.Comparator.comparing(r -> r.id)).toList();
      int choices = busy.size() + (timers.isEmpty() ? 0 : 1);
      if (choices == 0) {
        break;
      }
      int pick = random.nextInt(choices);
      if (pick < busy.size()) {
        busy.get(pick).releaseOne(random);
      } else {
        timers.remove(random.nextInt(timers.size())).run();
      }
    }
    assertTrue(futures.stream().allMatch(Future::isComplete), "the proposers got stuck");
  }

  private static Versioned row(String key, String value, long version) {
    return new Versioned(key, value.getBytes(StandardCharsets.UTF_8), version, false);
  }

  @Test
  void aQuorumWriteSucceedsWithOneReplicaFailingAndHintsIt() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n3").mode = FakeReplica.Mode.FAILS;
    Future<Long> w = c.write("k", "v".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.succeeded(), String.valueOf(w.cause()));
    assertEquals(List.of("n3 k"), hints);
    assertEquals("v", new String(replicas.get("n2").rows.get("k").value(), StandardCharsets.UTF_8));
  }

  @Test
  void aWriteShortOfItsQuorumFailsNamingEveryMissingReplica() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    replicas.get("n3").mode = FakeReplica.Mode.FAILS;
    Future<Long> w = c.write("k", "v".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.failed());
    String msg = w.cause().getMessage();
    assertTrue(msg.contains("acknowledged by 1 of 2 required replicas (QUORUM, RF 3)")
        && msg.contains("n2: disk on fire") && msg.contains("n3: disk on fire"), msg);
    assertEquals(List.of("n2 k", "n3 k"), hints.stream().sorted().toList(), "hints are left, but did not count toward W");
    assertTrue(c.write("k2", "v".getBytes(), false, 0, Consistency.ONE).succeeded(), "ONE needs only this node");
  }

  @Test
  void aReplicaTheDetectorCallsDownIsNotWaitedForAndIsHintedAtOnce() {
    status.put("n3", Status.DOWN);
    Coordinator c = coordinator(3_600_000);
    replicas.get("n3").mode = FakeReplica.Mode.HOLDS;
    Future<Long> w = c.write("k", "v".getBytes(), false, 0, Consistency.ALL);
    assertTrue(w.failed(), "ALL cannot succeed with a replica down: hints are not acks");
    assertTrue(replicas.get("n3").calls.isEmpty(), "nothing was sent to the DOWN replica");
    assertEquals(List.of("n3 k"), hints);
    assertTrue(c.write("k", "v2".getBytes(), false, 0, Consistency.QUORUM).succeeded());
  }

  @Test
  void aReplicaSilentLongerThanTheHintWindowGetsNoHint() {
    Coordinator c = coordinator(60_000);
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    replicas.get("n3").mode = FakeReplica.Mode.FAILS;
    lastHeard.put("n2", wall.get() - 10_000);
    lastHeard.put("n3", wall.get() - 120_000);
    c.write("k", "v".getBytes(), false, 0, Consistency.ONE);
    assertEquals(List.of("n2 k"), hints, "n3 has been silent 2 min, past the 1 min window");
  }

  @Test
  void aSlowReplicaDoesNotDelayAQuorumButCompletesItsOwnWrite() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n3").mode = FakeReplica.Mode.HOLDS;
    Future<Long> w = c.write("k", "v".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.succeeded(), "two of three answered");
    Future<Long> all = c.write("k", "v2".getBytes(), false, 0, Consistency.ALL);
    assertFalse(all.isComplete(), "ALL waits for the slow one");
    replicas.get("n3").release();
    assertTrue(all.succeeded());
    assertTrue(hints.isEmpty());
  }

  /** Another coordinator, 5 s ahead, wrote k on n2 and n3; answers that version. */
  private long fastClockWroteKOnN2AndN3() {
    long ahead = Versions.fromMillis(wall.get() + 5_000);
    replicas.get("n2").rows.put("k", row("k", "from the fast clock", ahead));
    replicas.get("n3").rows.put("k", row("k", "from the fast clock", ahead));
    return ahead;
  }

  @Test
  void aWriteStampedByAClockBehindAStoredVersionIsReStampedAboveIt() {
    Coordinator c = coordinator(3_600_000);
    long ahead = fastClockWroteKOnN2AndN3();
    Future<Long> w = c.write("k", "later".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.succeeded(), String.valueOf(w.cause()));
    assertTrue(w.result() > ahead, "re-stamped above the stored version: " + w.result() + " vs " + ahead);
    assertEquals("later", new String(replicas.get("n2").rows.get("k").value(), StandardCharsets.UTF_8));
    // a client-supplied older version is not re-stamped: last write wins by the client's clock
    Future<Long> older = c.write("k", "old".getBytes(), false, ahead - 1, Consistency.QUORUM);
    assertTrue(older.succeeded());
    assertEquals("later", new String(replicas.get("n3").rows.get("k").value(), StandardCharsets.UTF_8));
  }

  @Test
  void aRoundThatCanNoLongerReachItsQuorumIsReStampedWithoutWaitingForTheSlowestReplica() {
    Coordinator c = coordinator(3_600_000);
    long ahead = fastClockWroteKOnN2AndN3();
    replicas.get("n1").mode = FakeReplica.Mode.HOLDS;
    Future<Long> w = c.write("k", "later".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.succeeded(), "two newer versions end the first round; the re-stamp reaches n2 and n3 while n1 still holds");
    assertTrue(w.result() > ahead);
    assertEquals(2, replicas.get("n1").held.size(), "n1 got both rounds' writes and answered neither yet");
    replicas.get("n1").release();
    assertEquals("later", new String(replicas.get("n1").rows.get("k").value(), StandardCharsets.UTF_8));
  }

  @Test
  void aWriteRacingConcurrentWritersOnEveryReplicaTakesTwoRoundsNotThree() {
    Coordinator c = coordinator(3_600_000);
    replicas.values().forEach(r -> r.mode = FakeReplica.Mode.RACES);
    Future<Long> w = c.write("k", "mine".getBytes(), false, 0, Consistency.QUORUM);
    assertTrue(w.succeeded(), String.valueOf(w.cause()));
    for (FakeReplica r : replicas.values()) {
      assertEquals(List.of("write k", "write k"), r.calls, r.id + ": the first round, then one re-stamped round that takes the racer's newer version as ordered after it");
    }
    // the same race with a client-supplied version is never re-stamped: one round
    replicas.values().forEach(r -> r.calls.clear());
    assertTrue(c.write("k", "x".getBytes(), false, Versions.fromMillis(wall.get()), Consistency.QUORUM).succeeded());
    replicas.values().forEach(r -> assertEquals(List.of("write k"), r.calls));
  }

  @Test
  void aReadReturnsTheNewestAnswerAndRepairsTheStaleReplica() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n1").rows.put("k", row("k", "old", 5));
    replicas.get("n2").rows.put("k", row("k", "new", 9));
    replicas.get("n3").rows.put("k", row("k", "new", 9));
    Future<Versioned> r = c.read("k", Consistency.ALL);
    assertTrue(r.succeeded());
    assertEquals("new", new String(r.result().value(), StandardCharsets.UTF_8));
    assertEquals(9, replicas.get("n1").rows.get("k").version(), "n1 was repaired before ALL answered");
  }

  @Test
  void aReadAtAllWaitsForItsRepairAndAtQuorumDoesNot() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n2").rows.put("k", row("k", "new", 9));
    replicas.get("n3").rows.put("k", row("k", "new", 9));
    replicas.get("n1").mode = FakeReplica.Mode.HOLDS;
    Future<Versioned> all = c.read("k", Consistency.ALL);
    replicas.get("n1").release(); // its read answers "absent"; the repair write is now held
    assertFalse(all.isComplete(), "ALL answers only once the stale replica took the repair");
    replicas.get("n1").release();
    assertTrue(all.succeeded());
    assertEquals(9, replicas.get("n1").rows.get("k").version());
  }

  @Test
  void aFailedReadIsReplacedByTheNextReplicaAndAnAbsentKeyIsNull() {
    Coordinator c = coordinator(3_600_000);
    replicas.get("n1").mode = FakeReplica.Mode.FAILS;
    Future<Versioned> r = c.read("nothing-here", Consistency.QUORUM);
    assertTrue(r.succeeded(), String.valueOf(r.cause()));
    assertNull(r.result());
    assertEquals(List.of("read nothing-here"), replicas.get("n2").calls);
    assertEquals(List.of("read nothing-here"), replicas.get("n3").calls, "n3 was asked in place of the failed n1");
    replicas.get("n2").mode = FakeReplica.Mode.FAILS;
    Future<Versioned> short_ = c.read("nothing-here", Consistency.QUORUM);
    assertTrue(short_.failed());
    assertTrue(short_.cause().getMessage().contains("answered by 1 of 2 required replicas"), short_.cause().getMessage());
  }
}
