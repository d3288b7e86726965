package kvstore.membership;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The barrier that guards every change to the ring: an announcement (JOINING, LEAVING, NORMAL,
 * LEFT, one made on a dead member's behalf) is done once each member that must hear it has sent a
 * digest that shows it, or fails at its deadline naming who has not. Which members must: for an
 * announcement that starts moving ranges, every member {@link MembershipTable#mustHear} names
 * (SUSPECT and DOWN ones too: a starved node still coordinates writes); for any other, the live
 * ones. Plain Java with injected time; the gossip verticle feeds it digests and ticks.
 */
public final class HeardBarrier {
  /** How one wait ended. */
  public interface Outcome {
    void heard();

    void timedOut(List<String> notHeardBy);
  }

  private record Wait(Predicate<Map<String, Member>> test, String except, boolean movesRanges, long sinceMs, long deadlineMs,
                      Outcome outcome) {
  }

  private final MembershipTable table;
  private final String selfId;
  private final long downMemberGossipAfterMs;
  private final LongSupplier clockMs;
  /** The newest digest each member sent or answered: what it knows. */
  private final Map<String, Map<String, Member>> heardBy = new HashMap<>();
  /** When (local clock) each member's newest digest arrived. */
  private final Map<String, Long> heardAtMs = new HashMap<>();
  private final List<Wait> waits = new ArrayList<>();

  public HeardBarrier(MembershipTable table, String selfId, long downMemberGossipAfterMs, LongSupplier clockMs) {
    this.table = table;
    this.selfId = selfId;
    this.downMemberGossipAfterMs = downMemberGossipAfterMs;
    this.clockMs = clockMs;
  }

  /** A digest from a member (one this node does not know is ignored); ends the waits it completes. */
  public void heard(String from, List<Member> digest) {
    if (table.snapshot().stream().noneMatch(m -> m.nodeId().equals(from))) {
      return;
    }
    Map<String, Member> known = new HashMap<>();
    for (Member m : digest) {
      known.put(m.nodeId(), m);
    }
    heardBy.put(from, known);
    heardAtMs.put(from, clockMs.getAsLong());
    check();
  }

  /**
   * Waits until every member that must hear (never this node or {@code except}) has sent a digest
   * that satisfies {@code test}, or until {@code timeoutMs} has passed.
   */
  public void await(Predicate<Map<String, Member>> test, String except, boolean movesRanges, long timeoutMs, Outcome outcome) {
    waits.add(new Wait(test, except, movesRanges, Long.MIN_VALUE, clockMs.getAsLong() + timeoutMs, outcome));
    check();
  }

  /**
   * As {@link #await}, counting only digests that arrive from now on: what each member knows after
   * this moment, not what it knew before.
   */
  public void awaitFresh(Predicate<Map<String, Member>> test, String except, boolean movesRanges, long timeoutMs, Outcome outcome) {
    long now = clockMs.getAsLong();
    waits.add(new Wait(test, except, movesRanges, now, now + timeoutMs, outcome));
  }

  /** Ends the waits that are done or past their deadline; run on every digest and every gossip round. */
  public void check() {
    long now = clockMs.getAsLong();
    for (Wait w : new ArrayList<>(waits)) {
      List<String> waiting = notYetHeard(w.test(), w.except(), w.movesRanges(), w.sinceMs());
      if (waiting.isEmpty()) {
        waits.remove(w);
        w.outcome().heard();
      } else if (now > w.deadlineMs()) {
        waits.remove(w);
        w.outcome().timedOut(waiting);
      }
    }
  }

  /** Waits not yet ended. */
  public int pending() {
    return waits.size();
  }

  List<String> notYetHeard(Predicate<Map<String, Member>> test, String except, boolean movesRanges, long sinceMs) {
    List<String> who = new ArrayList<>();
    if (movesRanges) {
      who.addAll(table.mustHear(except, downMemberGossipAfterMs));
    } else {
      for (Member m : table.snapshot()) {
        if (!m.nodeId().equals(selfId) && !m.nodeId().equals(except) && m.status() == Status.UP) {
          who.add(m.nodeId());
        }
      }
    }
    who.removeIf(id -> {
      Map<String, Member> known = heardBy.get(id);
      return known != null && heardAtMs.get(id) > sinceMs && test.test(known);
    });
    return who;
  }
}
