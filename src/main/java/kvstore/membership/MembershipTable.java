package kvstore.membership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 *
 * <p>Hearsay is not enough to become a member. An entry for a node this table does not know, a
 * known node's entry with a new generation or new addresses, or a LEFT for a node known UP, waits
 * as <em>unconfirmed</em> until this node has itself exchanged gossip with that node at its peer
 * address; then the node's own answer counts, not the hearsay ({@link #confirm}). Forged entries
 * pointing nowhere, or at somebody else, so never reach the ring or the digest this node gossips
 * on, and expire; there are at most {@code maxMembers} of each kind.
 *
 * <p>A node that left comes back only as a new, empty node: JOINING, or, to a member that was down
 * while it joined, already NORMAL with a data directory begun after it left ({@link Member#joinedAgainSince}).
 *
 * <p>A restarted node starts from the members it knew before it stopped ({@link #remember}): they
 * are in its ring at once, DOWN until heard. Without them its ring would hold only the members it
 * has reached since, and a write it coordinated would be acknowledged by nodes that are not the
 * key's replicas (a QUORUM read through another node then misses it).
 */
public final class MembershipTable {
  private final String selfId;
  private final LongSupplier clock;
  private final DetectorSettings settings;
  private final Limits limits;
  private final Map<String, Member> members = new HashMap<>();
  private final Map<String, PhiAccrualDetector> detectors = new HashMap<>();
  private final Map<String, Pending> unconfirmed = new LinkedHashMap<>();
  /** Members known from this node's own disk and not heard from since it started: DOWN until they are. */
  private final java.util.Set<String> unheard = new java.util.HashSet<>();

  /** Thresholds and model of the phi-accrual detector (see {@link PhiAccrualDetector}). */
  public record DetectorSettings(double phiSuspect, double phiDown, int window, long minStdDevMs,
                                 long acceptablePauseMs, long expectedIntervalMs) {
  }

  /**
   * What an entry may claim: at most {@code maxMembers} members and as many unconfirmed entries,
   * kept {@code unconfirmedTtlMs}; a generation (a start time) at most {@code maxSkewMs} in the future;
   * at most one heartbeat per {@code minHeartbeatMs} since that start.
   */
  public record Limits(int maxMembers, long unconfirmedTtlMs, long maxSkewMs, long minHeartbeatMs) {
  }

  /** Why an entry was not taken; the caller logs and counts it. */
  public interface Refusals {
    void refused(String nodeId, String reason);
  }

  private record Pending(Member entry, long since) {
  }

  /** A node known here only from other members' digests: its newest entry, and when its heartbeat last advanced there. */
  private record Hearsay(long generation, long heartbeat, boolean left, long advancedMs) {
  }

  private final Map<String, Hearsay> hearsay = new HashMap<>();

  private Refusals refusals = (id, reason) -> { };

  public MembershipTable(Member self, LongSupplier clock, DetectorSettings settings, Limits limits) {
    this.selfId = self.nodeId();
    this.clock = clock;
    this.settings = settings;
    this.limits = limits;
    members.put(selfId, self.withStatus(Status.UP));
  }

  /**
   * Takes the members this node recorded before it stopped (its own, confirmed entries): each is a
   * member again, DOWN until its heartbeat is heard, or LEFT for good. Called before any gossip.
   */
  public synchronized void remember(List<Member> recorded) {
    for (Member m : recorded) {
      if (m.nodeId().equals(selfId) || members.containsKey(m.nodeId()) || members.size() > limits.maxMembers()) {
        continue;
      }
      members.put(m.nodeId(), m.status() == Status.LEFT ? m : m.withStatus(Status.DOWN));
      unheard.add(m.nodeId());
    }
  }

  /** True once this node has heard another member's heartbeat (not only remembered it). */
  public synchronized boolean heardAnyone() {
    return members.values().stream().anyMatch(m -> !m.nodeId().equals(selfId) && m.status() != Status.LEFT
        && detectors.containsKey(m.nodeId()));
  }

  public void onRefusal(Refusals r) {
    this.refusals = r;
  }

  public String selfId() {
    return selfId;
  }

  /** Advances this node's own heartbeat (one per gossip round) and forgets unconfirmed entries that stayed so too long. */
  public synchronized void tick() {
    Member me = members.get(selfId);
    members.put(selfId, me.withHeartbeat(me.heartbeat() + 1).withStatus(me.status() == Status.LEFT ? Status.LEFT : Status.UP));
    long now = clock.getAsLong();
    unconfirmed.values().removeIf(p -> now - p.since() > limits.unconfirmedTtlMs());
  }

  /** Merges a peer's digest; returns the members heard of for the first time. */
  public synchronized List<Member> merge(List<Member> digest) {
    List<Member> discovered = new ArrayList<>();
    long now = clock.getAsLong();
    for (Member m : digest) {
      if (m.nodeId().equals(selfId)) {
        continue; // nobody else speaks for this node
      }
      String wrong = implausible(m, now);
      if (wrong != null) {
        refusals.refused(m.nodeId(), wrong);
        continue;
      }
      Member known = members.get(m.nodeId());
      Hearsay before = hearsay.get(m.nodeId());
      if (known == null || !detectors.containsKey(m.nodeId())) {
        noteHearsay(m, now);
      }
      boolean onlyRemembered = known != null && unheard.contains(m.nodeId()) && !detectors.containsKey(m.nodeId());
      if (onlyRemembered && m.status() == Status.LEFT && known.status() != Status.LEFT && m.generation() >= known.generation()) {
        // only remembered, never heard since this start: the cluster's word that it left, even from a
        // later run of it, is newer than what this node's disk says (it takes a member out, never adds one)
        members.put(m.nodeId(), m);
        continue;
      }
      if (onlyRemembered && m.status() != Status.LEFT && m.state() == known.state() && m.generation() == known.generation()
          && (before == null || before.generation() != m.generation() || m.heartbeat() <= before.heartbeat())) {
        // the heartbeat a digest carries may be the last one before the node died, newer than the one
        // remembered here: alive only once the heartbeat moves between two digests this node receives
        continue;
      }
      if (!m.supersedes(known)) {
        continue;
      }
      if (known != null && m.generation() == known.generation()) {
        if (known.status() == Status.LEFT) {
          continue; // leaving is for good
        }
        if (!m.sameAddresses(known)) {
          refusals.refused(m.nodeId(), "entry changes the addresses of a known node within one generation");
          continue;
        }
        boolean down = statusOf(known, now) == Status.DOWN;
        if (down && (m.status() == Status.LEFT || m.state() != known.state())) {
          // another node speaks for a dead one (removenode): news of it, not a sign of life
          members.put(m.nodeId(), m);
          continue;
        }
        if (m.status() != Status.LEFT) {
          accept(m, known, now);
          continue;
        }
        // LEFT takes a live node out of the ring: only the node's own word does that (a dead one is removed by an operator's removenode)
      }
      if (known != null && known.status() == Status.LEFT && m.state() != RingState.JOINING && !m.joinedAgainSince(known)) {
        refusals.refused(m.nodeId(), "the node left the cluster; it can only join again as a new, empty node");
        continue;
      }
      // a node not known yet, a new generation (a restart, or a forgery) or a LEFT: wait for the node itself to say so
      Pending p = unconfirmed.get(m.nodeId());
      if (p != null && !m.supersedes(p.entry())) {
        continue;
      }
      if (p == null && unconfirmed.size() >= limits.maxMembers()) {
        refusals.refused(m.nodeId(), "more than maxClusterNodes (" + limits.maxMembers() + ") entries are waiting to be confirmed");
        continue;
      }
      unconfirmed.put(m.nodeId(), new Pending(m, p == null ? now : p.since()));
    }
    return discovered;
  }

  /**
   * This node gossiped with {@code answeredAt} and the node there answered with {@code own}, its
   * entry for itself: that entry is taken (a new member, a restart, a LEFT), and any hearsay about
   * the node waiting for confirmation is dropped. Returns the entry when the node is new here.
   */
  public synchronized Member confirm(Member own, String answeredAt) {
    if (own.nodeId().equals(selfId) || !own.peerAddress().equals(answeredAt)) {
      return null;
    }
    long now = clock.getAsLong();
    String wrong = implausible(own, now);
    if (wrong != null) {
      refusals.refused(own.nodeId(), wrong);
      return null;
    }
    unconfirmed.remove(own.nodeId());
    hearsay.remove(own.nodeId());
    Member known = members.get(own.nodeId());
    if (known == null && members.size() > limits.maxMembers()) {
      refusals.refused(own.nodeId(), "the cluster already has maxClusterNodes (" + limits.maxMembers() + ") members");
      return null;
    }
    if (known != null && own.generation() == known.generation() && !own.sameAddresses(known)) {
      refusals.refused(own.nodeId(), "entry changes the addresses of a known node within one generation");
      return null;
    }
    if (known != null && !own.supersedes(known)) {
      return null;
    }
    if (known != null && known.status() != Status.LEFT && !own.sameAddresses(known) && statusOf(known, now) != Status.DOWN) {
      // whoever answers at an address a message named is not proof of being the member: the member
      // still answers at its known address, so it moves only once judged DOWN there
      refusals.refused(own.nodeId(), "a live member's addresses move only once it is judged DOWN at its current ones ("
          + known.peerAddress() + ")");
      return null;
    }
    if (known != null && known.status() == Status.LEFT && own.generation() == known.generation()) {
      return null;
    }
    if (known != null && known.status() == Status.LEFT && own.generation() != known.generation() && own.state() != RingState.JOINING
        && !own.joinedAgainSince(known)) {
      refusals.refused(own.nodeId(), "the node left the cluster; it can only join again as a new, empty node");
      return null;
    }
    accept(own, known, now);
    return known == null ? own : null;
  }

  /** Peer addresses of up to {@code n} entries waiting to be confirmed, longest-waiting first. */
  public synchronized List<String> unconfirmedAddresses(int n) {
    List<String> out = new ArrayList<>();
    for (Iterator<Pending> it = unconfirmed.values().iterator(); it.hasNext() && out.size() < n; ) {
      out.add(it.next().entry().peerAddress());
    }
    return out;
  }

  public synchronized int unconfirmedCount() {
    return unconfirmed.size();
  }

  private String implausible(Member m, long now) {
    if (m.generation() > now + limits.maxSkewMs()) {
      return "generation " + m.generation() + " is a start time more than maxClockSkewMs in the future";
    }
    long maxBeats = Math.max(0, now + limits.maxSkewMs() - m.generation()) / limits.minHeartbeatMs() + 2;
    if (m.heartbeat() > maxBeats) {
      return "heartbeat " + m.heartbeat() + " is more than one per " + limits.minHeartbeatMs() + " ms since the node started";
    }
    return null;
  }

  private void accept(Member m, Member known, long now) {
    // a new generation is a restarted process: its old heartbeat history says nothing about it (nor
    // is there any for a member only remembered from disk)
    if (known == null || m.generation() != known.generation() || !detectors.containsKey(m.nodeId())) {
      detectors.put(m.nodeId(), new PhiAccrualDetector(settings.window(), settings.minStdDevMs(),
          settings.acceptablePauseMs(), settings.expectedIntervalMs()));
    }
    detectors.get(m.nodeId()).heartbeat(now);
    // the status field travels but is each node's own judgement, except LEFT which the node announces itself
    members.put(m.nodeId(), m.withStatus(m.status() == Status.LEFT ? Status.LEFT : Status.UP));
  }

  /** Announces this node's own place in the ring; it travels with the next heartbeat. */
  public synchronized void announce(RingState state) {
    members.put(selfId, members.get(selfId).withState(state));
  }

  /** Announces that this node has left the cluster for good (decommission). */
  public synchronized void leave() {
    members.put(selfId, members.get(selfId).withStatus(Status.LEFT));
  }

  /** Speaks for a member this node judges DOWN: announces it LEAVING (removenode); null when it is not DOWN here. */
  public synchronized Member markLeaving(String nodeId) {
    return speakFor(nodeId, m -> m.withState(RingState.LEAVING));
  }

  /** Announces that a DOWN member left LEAVING by a removenode is NORMAL again (the removenode aborted); null when it is not that. */
  public synchronized Member restore(String nodeId) {
    Member known = members.get(nodeId);
    if (known == null || known.state() != RingState.LEAVING) {
      return null;
    }
    return speakFor(nodeId, m -> m.withState(RingState.NORMAL));
  }

  /** Announces that a member this node judges DOWN has left for good (removenode); null when it is not DOWN here. */
  public synchronized Member remove(String nodeId) {
    return speakFor(nodeId, m -> m.withStatus(Status.LEFT));
  }

  /** The dead member's entry changed and one heartbeat newer, so it supersedes what peers know. */
  private Member speakFor(String nodeId, java.util.function.UnaryOperator<Member> change) {
    Member known = members.get(nodeId);
    if (known == null || nodeId.equals(selfId) || statusOf(known, clock.getAsLong()) != Status.DOWN) {
      return null;
    }
    Member next = change.apply(known.withHeartbeat(known.heartbeat() + 1));
    members.put(nodeId, next);
    return next;
  }

  /** True when the node is known here as having left the cluster. */
  public synchronized boolean hasLeft(String nodeId) {
    Member known = members.get(nodeId);
    return known != null && known.status() == Status.LEFT;
  }

  /** True when {@code entry} is a node that left this cluster coming back as it was: a new generation, not a new empty node. */
  public synchronized boolean returnsAfterLeaving(Member entry) {
    Member known = members.get(entry.nodeId());
    return known != null && known.status() == Status.LEFT && entry.generation() != known.generation()
        && entry.state() != RingState.JOINING && !entry.joinedAgainSince(known);
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
      return m.status() == Status.LEFT ? Status.LEFT : Status.UP;
    }
    if (m.status() == Status.LEFT) {
      return Status.LEFT;
    }
    PhiAccrualDetector d = detectors.get(m.nodeId());
    if (d == null && unheard.contains(m.nodeId())) {
      return Status.DOWN;
    }
    double phi = d == null ? 0 : d.phi(now);
    if (phi >= settings.phiDown()) {
      return Status.DOWN;
    }
    return phi >= settings.phiSuspect() ? Status.SUSPECT : Status.UP;
  }

  /** Tracks a node known only from digests (at most maxMembers of them): when its heartbeat last advanced. */
  private void noteHearsay(Member m, long now) {
    Hearsay h = hearsay.get(m.nodeId());
    boolean advanced = h == null || m.generation() > h.generation() || (m.generation() == h.generation() && m.heartbeat() > h.heartbeat());
    if (!advanced || (h == null && hearsay.size() >= limits.maxMembers())) {
      return;
    }
    hearsay.put(m.nodeId(), new Hearsay(m.generation(), m.heartbeat(), m.status() == Status.LEFT, now));
  }

  /** When each peer's heartbeat last advanced here (local clock), for the hint window. */
  public synchronized Map<String, Long> lastHeard() {
    Map<String, Long> out = new HashMap<>();
    detectors.forEach((id, d) -> out.put(id, d.lastHeartbeatMs()));
    return out;
  }

  /**
   * Who must have heard an announcement that starts moving ranges before they stream: every member
   * but this node, {@code except} and those that left, whatever its status here. The failure
   * detector can be wrong: a node starved of CPU turns SUSPECT or DOWN here while it still
   * coordinates writes with a ring that lacks the move, and those writes would miss the node the
   * ranges move to. Only a member not UP whose heartbeat has not advanced here for {@code silentMs}
   * is taken for dead and not waited for; so is a node known only from others' digests whose
   * heartbeat has not advanced in them for as long (once first seen, it counts as heard then). Sorted by id.
   */
  public synchronized List<String> mustHear(String except, long silentMs) {
    long now = clock.getAsLong();
    List<String> out = new ArrayList<>();
    // a node others gossip about that this one has not reached yet (it joined while that node was
    // stopped, say) is as much a member: the others' digests show whether its heartbeat still moves
    hearsay.forEach((id, h) -> {
      if ((!members.containsKey(id) || !detectors.containsKey(id)) && !id.equals(except) && !h.left()
          && now - h.advancedMs() <= silentMs) {
        out.add(id);
      }
    });
    for (Member m : members.values()) {
      if (m.nodeId().equals(selfId) || m.nodeId().equals(except) || m.status() == Status.LEFT) {
        continue;
      }
      PhiAccrualDetector d = detectors.get(m.nodeId());
      if (statusOf(m, now) == Status.UP || (d != null && now - d.lastHeartbeatMs() <= silentMs)) {
        out.add(m.nodeId());
      }
    }
    out.sort(Comparator.naturalOrder());
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
