package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.log.EventLog;
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
  }

  /** Announced ring states; NORMAL when absent. */
  private final Map<String, RingState> states = new HashMap<>();

  private ClusterView view() {
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
    return ClusterView.of(SELF, members, ring, future, lastHeard);
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
    String stays = List.of("n2", "n3").stream().filter(n -> !n.equals(loser[0])).findFirst().orElseThrow();
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
  void readsNeverGoToAJoiningNodeNorToOneStillReplacingADeadNode() {
    status.put("n4", Status.UP);
    states.put("n4", RingState.JOINING);
    Coordinator c = coordinator(3_600_000);
    String key = keyMovingTo("n4", new String[1]);
    assertTrue(c.write(key, "v".getBytes(), false, 0, Consistency.ALL).succeeded());
    assertTrue(c.read(key, Consistency.ALL).succeeded());
    assertFalse(replicas.get("n4").calls.contains("read " + key), replicas.get("n4").calls.toString());

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
