package kvstore.membership;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeardBarrierTest {
  private static final long START = 1_000_000;
  private final AtomicLong now = new AtomicLong(START);
  private final List<String> ended = new ArrayList<>();

  private static Member m(String id, long hb, RingState state) {
    return new Member(id, "127.0.0.1:1" + id.length(), "127.0.0.1:2" + id.length(), "127.0.0.1:3" + id.length(), hb, 1, Status.UP, state);
  }

  private MembershipTable table(String... others) {
    MembershipTable t = new MembershipTable(m("a", 0, RingState.NORMAL), now::get,
        new MembershipTable.DetectorSettings(5, 10, 100, 250, 2000, 1000), new MembershipTable.Limits(512, 30_000, 10_000, 5));
    for (String id : others) {
      Member x = m(id, 1, RingState.NORMAL);
      t.merge(List.of(x));
      t.confirm(x, x.peerAddress());
    }
    return t;
  }

  private HeardBarrier.Outcome recorder(String name) {
    return new HeardBarrier.Outcome() {
      @Override
      public void heard() {
        ended.add(name + " heard");
      }

      @Override
      public void timedOut(List<String> notHeardBy) {
        ended.add(name + " timed out: " + notHeardBy);
      }
    };
  }


  @Test
  void anAnnouncementEndsOnceEveryMemberSentADigestThatShowsIt() {
    MembershipTable t = table("b", "c");
    HeardBarrier barrier = new HeardBarrier(t, "a", 60_000, now::get);
    barrier.await(known -> known.containsKey("a") && known.get("a").state() == RingState.LEAVING, null, true, 30_000, recorder("leave"));
    barrier.heard("b", List.of(m("a", 5, RingState.LEAVING)));
    assertEquals(List.of(), ended, "c has not heard yet");
    barrier.heard("c", List.of(m("a", 4, RingState.NORMAL)));
    assertEquals(List.of(), ended, "c's digest still shows the old state");
    barrier.heard("c", List.of(m("a", 6, RingState.LEAVING)));
    assertEquals(List.of("leave heard"), ended);
    assertEquals(0, barrier.pending());
  }

  @Test
  void aWaitTimesOutNamingWhoHasNotHeardAndIgnoresStrangers() {
    MembershipTable t = table("b", "c");
    HeardBarrier barrier = new HeardBarrier(t, "a", 60_000, now::get);
    barrier.await(known -> known.containsKey("a") && known.get("a").state() == RingState.LEAVING, null, true, 30_000, recorder("leave"));
    barrier.heard("stranger", List.of(m("a", 5, RingState.LEAVING)));
    barrier.heard("b", List.of(m("a", 5, RingState.LEAVING)));
    now.addAndGet(29_000);
    barrier.check();
    assertEquals(List.of(), ended);
    now.addAndGet(2_000);
    barrier.check();
    assertEquals(List.of("leave timed out: [c]"), ended);
  }

  @Test
  void aMoveWaitsForAMemberThatLooksDeadButAnyOtherAnnouncementOnlyForLiveOnes() {
    MembershipTable t = table("b", "c");
    // c stops heartbeating; b goes on: after 20 s c is DOWN but within downMemberGossipAfterMs
    for (int s = 1; s <= 20; s++) {
      now.set(START + s * 1000L);
      t.merge(List.of(m("b", s + 1, RingState.NORMAL)));
    }
    HeardBarrier barrier = new HeardBarrier(t, "a", 60_000, now::get);
    barrier.await(known -> known.containsKey("a") && known.get("a").state() == RingState.LEAVING, null, true, 30_000, recorder("move"));
    barrier.await(known -> known.containsKey("a") && known.get("a").state() == RingState.NORMAL, null, false, 30_000, recorder("normal"));
    barrier.heard("b", List.of(m("a", 9, RingState.NORMAL)));
    assertEquals(List.of("normal heard"), ended, "NORMAL needs only the live members");
    barrier.heard("b", List.of(m("a", 10, RingState.LEAVING)));
    assertEquals(List.of("normal heard"), ended, "a move also waits for c, DOWN but recently alive");
    assertTrue(barrier.notYetHeard(known -> known.get("a").state() == RingState.LEAVING, null, true, Long.MIN_VALUE).contains("c"));
  }

  @Test
  void aFreshWaitCountsOnlyDigestsThatArriveAfterIt() {
    MembershipTable t = table("b", "c");
    HeardBarrier barrier = new HeardBarrier(t, "a", 60_000, now::get);
    barrier.heard("b", List.of(m("a", 5, RingState.LEAVING)));
    barrier.heard("c", List.of(m("a", 5, RingState.LEAVING)));
    now.addAndGet(10);
    barrier.awaitFresh(known -> known.containsKey("a"), null, true, 30_000, recorder("confirm"));
    barrier.check();
    assertEquals(List.of(), ended, "both digests arrived before the wait began");
    now.addAndGet(10);
    barrier.heard("b", List.of(m("a", 6, RingState.LEAVING)));
    assertEquals(List.of(), ended, "c has sent nothing since");
    barrier.heard("c", List.of(m("a", 6, RingState.LEAVING)));
    assertEquals(List.of("confirm heard"), ended);
  }
}
