package kvstore.membership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The gossip state of one node: the newest entry known for every member and when its heartbeat last
 * advanced here. Plain Java with injected time, so merges and status changes are tested directly.
 *
 * <p>A member is never dropped: one that stops heartbeating turns SUSPECT, then DOWN (phi-accrual,
 * one detector per peer), and stays listed; it is UP again as soon as its heartbeat advances, and a
 * restart (new generation) starts a fresh detector.
 */
public final class MembershipTable {
  private final String selfId;
  private final LongSupplier clock;
  private final DetectorSettings settings;
  private final Map<String, Member> members = new HashMap<>();
  private final Map<String, PhiAccrualDetector> detectors = new HashMap<>();

  /** Thresholds and model of the phi-accrual detector (see {@link PhiAccrualDetector}). */
  public record DetectorSettings(double phiSuspect, double phiDown, int window, long minStdDevMs,
                                 long acceptablePauseMs, long expectedIntervalMs) {
  }

  public MembershipTable(Member self, LongSupplier clock, DetectorSettings settings) {
    this.selfId = self.nodeId();
    this.clock = clock;
    this.settings = settings;
    members.put(selfId, self.withStatus(Status.UP));
  }

  public String selfId() {
    return selfId;
  }

  /** Advances this node's own heartbeat: one per gossip round. */
  public synchronized void tick() {
    Member me = members.get(selfId);
    members.put(selfId, new Member(me.nodeId(), me.grpcAddress(), me.gossipAddress(), me.heartbeat() + 1, me.generation(), Status.UP));
  }

  /** Merges a peer's digest; returns the members heard of for the first time. */
  public synchronized List<Member> merge(List<Member> digest) {
    List<Member> discovered = new ArrayList<>();
    long now = clock.getAsLong();
    for (Member m : digest) {
      if (m.nodeId().equals(selfId)) {
        continue;
      }
      Member known = members.get(m.nodeId());
      if (m.supersedes(known)) {
        if (known == null) {
          discovered.add(m);
        }
        // a new generation is a restarted process: its old heartbeat history says nothing about it
        if (known == null || m.generation() != known.generation()) {
          detectors.put(m.nodeId(), new PhiAccrualDetector(settings.window(), settings.minStdDevMs(),
              settings.acceptablePauseMs(), settings.expectedIntervalMs()));
        }
        detectors.get(m.nodeId()).heartbeat(now);
        // the status field travels but is each node's own judgement, except LEFT which the node announces itself
        members.put(m.nodeId(), m.withStatus(m.status() == Status.LEFT ? Status.LEFT : Status.UP));
      }
    }
    return discovered;
  }

  /** Every known member with the status this node judges it to have, sorted by id. */
  public synchronized List<Member> snapshot() {
    long now = clock.getAsLong();
    List<Member> out = new ArrayList<>(members.size());
    for (Member m : members.values()) {
      out.add(m.withStatus(statusOf(m, now)));
    }
    out.sort(Comparator.comparing(Member::nodeId));
    return out;
  }

  private Status statusOf(Member m, long now) {
    if (m.nodeId().equals(selfId)) {
      return Status.UP;
    }
    if (m.status() == Status.LEFT) {
      return Status.LEFT;
    }
    PhiAccrualDetector d = detectors.get(m.nodeId());
    double phi = d == null ? 0 : d.phi(now);
    if (phi >= settings.phiDown()) {
      return Status.DOWN;
    }
    return phi >= settings.phiSuspect() ? Status.SUSPECT : Status.UP;
  }

  /** When each peer's heartbeat last advanced here (local clock), for the hint window. */
  public synchronized Map<String, Long> lastHeard() {
    Map<String, Long> out = new HashMap<>();
    detectors.forEach((id, d) -> out.put(id, d.lastHeartbeatMs()));
    return out;
  }

  public synchronized double phi(String nodeId) {
    PhiAccrualDetector d = detectors.get(nodeId);
    return d == null ? 0 : d.phi(clock.getAsLong());
  }

  public synchronized Member self() {
    return members.get(selfId);
  }
}
