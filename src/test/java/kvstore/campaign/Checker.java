package kvstore.campaign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a history against what the README promises for a last-write-wins register per key, the
 * way Jepsen treats indeterminate operations (they may have happened, at any time after their
 * invocation, or not at all). A read returns the value of one write (values are unique per write),
 * or nothing, which a delete (or no write at all) explains. Promises checked:
 * <ul>
 *   <li><b>no lost write</b>: each final read (after healing and repair) returns a write that no
 *       acknowledged write followed in real time (one invoked after it completed);</li>
 *   <li><b>read after write</b>: a read at {@code strongReads} consistency that started after a
 *       write at {@code strongWrites} consistency was acknowledged returns that write or one not
 *       over before it began;</li>
 *   <li><b>no resurrection</b>: the same rule where the acknowledged write is a delete;</li>
 *   <li><b>nothing failed is read</b>: no read returns the value of a write that failed;</li>
 *   <li><b>TTL</b>: no read that began {@code ttlSlackNs} after a write's completion plus its TTL
 *       returns it (and a value whose TTL may have run out explains reading nothing).</li>
 * </ul>
 * Reads that did not complete OK say nothing and are skipped.
 */
public final class Checker {
  /** One broken promise: the key, what broke, the operations involved. */
  public record Violation(String kind, String key, String what, List<Op> ops) {
    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(kind + " on " + key + ": " + what);
      for (Op o : ops) {
        b.append("\n    ").append(o);
      }
      return b.toString();
    }
  }

  private final Set<String> strongWrites;
  private final Set<String> strongReads;
  private final long ttlSlackNs;

  public Checker(Set<String> strongWrites, Set<String> strongReads, long ttlSlackNs) {
    this.strongWrites = strongWrites;
    this.strongReads = strongReads;
    this.ttlSlackNs = ttlSlackNs;
  }

  /** The README's promises: QUORUM or ALL writes are seen by QUORUM or ALL reads that start after them. */
  public static Checker readmePromises() {
    return new Checker(Set.of("QUORUM", "ALL"), Set.of("QUORUM", "ALL"), 2_000_000_000L);
  }

  /** {@code finalReads}: one OK read per key after every fault was healed and a repair ran. */
  public List<Violation> check(List<Op> history, List<Op> finalReads) {
    Map<String, List<Op>> writesByKey = new HashMap<>();
    Map<String, Op> writeOfValue = new HashMap<>();
    for (Op o : history) {
      if (o.write()) {
        writesByKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
        if (o.type() == Op.Type.PUT) {
          writeOfValue.put(o.value(), o);
        }
      }
    }
    Map<String, Acknowledged> strongByKey = new HashMap<>();
    Map<String, Acknowledged> allByKey = new HashMap<>();
    writesByKey.forEach((key, writes) -> {
      strongByKey.put(key, new Acknowledged(writes.stream().filter(w -> w.outcome() == Op.Outcome.OK && strongWrites.contains(w.consistency())).toList()));
      allByKey.put(key, new Acknowledged(writes.stream().filter(w -> w.outcome() == Op.Outcome.OK).toList()));
    });
    Acknowledged none = new Acknowledged(List.of());
    List<Violation> out = new ArrayList<>();
    for (Op r : history) {
      if (r.type() == Op.Type.GET && r.outcome() == Op.Outcome.OK) {
        checkRead(r, writesByKey.getOrDefault(r.key(), List.of()), writeOfValue, strongReads.contains(r.consistency()),
            strongByKey.getOrDefault(r.key(), none).before(r.invokeNs()), out, false);
      }
    }
    for (Op r : finalReads) {
      checkRead(r, writesByKey.getOrDefault(r.key(), List.of()), writeOfValue, true, allByKey.getOrDefault(r.key(), none).before(Long.MAX_VALUE),
          out, true);
    }
    return out;
  }

  /**
   * What a read must see of one key's acknowledged writes: of those completed before a time, the
   * latest invocation (a value read is explained only if no such write began after it was over)
   * and the latest completion (named in a violation). Sorted by completion with running maxima, so
   * each read costs a binary search, not a pass over every write of its key.
   */
  private static final class Acknowledged {
    private final long[] completes;
    private final long[] maxInvoke;
    private final Op[] latest;

    Acknowledged(List<Op> writes) {
      List<Op> sorted = new ArrayList<>(writes);
      sorted.sort(Comparator.comparingLong(Op::completeNs));
      completes = new long[sorted.size()];
      maxInvoke = new long[sorted.size()];
      latest = new Op[sorted.size()];
      for (int i = 0; i < sorted.size(); i++) {
        completes[i] = sorted.get(i).completeNs();
        maxInvoke[i] = Math.max(sorted.get(i).invokeNs(), i == 0 ? Long.MIN_VALUE : maxInvoke[i - 1]);
        latest[i] = sorted.get(i);
      }
    }

    /** The writes completed strictly before {@code ns}; null when there are none. */
    MustSee before(long ns) {
      int lo = 0;
      int hi = completes.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (completes[mid] < ns) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo == 0 ? null : new MustSee(maxInvoke[lo - 1], latest[lo - 1]);
    }
  }

  /** {@code maxInvokeNs}: the latest invocation among the writes a read must see; {@code latest}: the last of them to complete. */
  private record MustSee(long maxInvokeNs, Op latest) {
  }

  private void checkRead(Op read, List<Op> writes, Map<String, Op> writeOfValue, boolean strong, MustSee mustSee, List<Violation> out,
                         boolean last) {
    Op source = read.value() == null ? null : writeOfValue.get(read.value());
    if (read.value() != null && (source == null || !source.key().equals(read.key()))) {
      out.add(new Violation("phantom", read.key(), "the read returned a value no write of this key wrote", List.of(read)));
      return;
    }
    if (source != null && source.outcome() == Op.Outcome.FAIL) {
      out.add(new Violation("failed write read", read.key(), "the read returned the value of a write that failed", List.of(source, read)));
      return;
    }
    if (source != null && source.ttlMs() > 0 && read.invokeNs() > source.completeNs() + source.ttlMs() * 1_000_000 + ttlSlackNs) {
      out.add(new Violation("expired value read", read.key(), "the read began after the value's TTL ran out", List.of(source, read)));
      return;
    }
    if (!strong) {
      return;
    }
    // the acknowledged writes the read must see: strong ones completed before it began (final
    // reads: every acknowledged write)
    if (mustSee == null) {
      return;
    }
    if (explained(read, source, writes, mustSee)) {
      return;
    }
    Op latest = mustSee.latest();
    String kind = latest.type() == Op.Type.DELETE && source != null ? "resurrection" : last ? "lost write" : "stale read";
    List<Op> involved = new ArrayList<>();
    if (source != null) {
      involved.add(source);
    }
    involved.add(latest);
    involved.add(read);
    out.add(new Violation(kind, read.key(), (last ? "after healing, " : "") + "the read returned "
        + (source == null ? "nothing" : "an older write") + " though a later write had been acknowledged before it began", involved));
  }

  /**
   * Whether what the read returned can be the register's value: a write (or, for nothing, a delete
   * or no write at all) that none of the writes the read must see followed in real time.
   */
  private static boolean explained(Op read, Op source, List<Op> writes, MustSee mustSee) {
    if (source != null) {
      return notFollowed(source, mustSee);
    }
    for (Op w : writes) {
      // a delete, or a put whose TTL may have run out, leaves nothing
      boolean leavesNothing = w.type() == Op.Type.DELETE
          || (w.ttlMs() > 0 && w.invokeNs() + w.ttlMs() * 1_000_000 < read.completeNs());
      if (leavesNothing && w.outcome() != Op.Outcome.FAIL && w.invokeNs() < read.completeNs() && notFollowed(w, mustSee)) {
        return true;
      }
    }
    return false;
  }

  /** No write the read must see began after {@code w} was over. */
  private static boolean notFollowed(Op w, MustSee mustSee) {
    return mustSee.maxInvokeNs() <= w.effectiveCompleteNs();
  }
}
