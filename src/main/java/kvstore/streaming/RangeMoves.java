package kvstore.streaming;

import kvstore.ring.Ring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which rows must move when the ring changes: every token interval whose replicas in the ring after
 * the move include nodes that are not its replicas now, with those nodes (targets) and the current
 * replicas (sources). Plain Java over two rings; bootstrap, decommission and removenode each take
 * the transfers that concern them.
 */
public final class RangeMoves {
  /** Rows with tokens in [first, last] are streamed from {@code sources} (current replicas) to {@code targets}. */
  public record Transfer(long first, long last, List<String> sources, List<String> targets) {
  }

  private RangeMoves() {
  }

  /**
   * How many of an interval's current replicas a new replica must copy it from when the copies it
   * takes over may lack writes (a join, a dead node removed or replaced): a write acknowledged by
   * {@code w} of {@code rf} replicas is missing from at most rf - w of them, so any rf - w + 1 hold
   * it. Fewer (one survivor, as removenode once took) and a write acknowledged by the lost node and
   * one other replica can end up on a single copy.
   */
  public static int sourcesNeeded(int rf, int w) {
    return Math.max(1, rf - w + 1);
  }

  public static List<Transfer> between(Ring now, Ring after, int rf) {
    TreeSet<Long> bounds = new TreeSet<>();
    for (long t : now.tokens()) {
      bounds.add(t);
    }
    for (long t : after.tokens()) {
      bounds.add(t);
    }
    List<Transfer> out = new ArrayList<>();
    if (bounds.isEmpty() || now.nodes().isEmpty()) {
      return out;
    }
    Long[] b = bounds.toArray(new Long[0]);
    for (int i = 0; i < b.length; i++) {
      long high = b[i];
      // every token in (previous bound, high] has the same replicas in both rings as high itself
      List<String> cur = now.preferenceListForToken(high, rf);
      Set<String> gained = new LinkedHashSet<>(after.preferenceListForToken(high, rf));
      gained.removeAll(cur);
      if (gained.isEmpty()) {
        continue;
      }
      List<String> targets = List.copyOf(gained);
      if (i == 0) {
        // the interval that wraps: (last bound, MAX] and [MIN, first bound]
        long last = b[b.length - 1];
        if (last != Long.MAX_VALUE) {
          add(out, new Transfer(last + 1, Long.MAX_VALUE, cur, targets));
        }
        add(out, new Transfer(Long.MIN_VALUE, high, cur, targets));
      } else {
        add(out, new Transfer(b[i - 1] + 1, high, cur, targets));
      }
    }
    return out;
  }

  /** Every interval {@code node} replicates in {@code ring}, to be streamed to it from its other replicas (replacing a dead node). */
  public static List<Transfer> replicatedBy(Ring ring, String node, int rf) {
    long[] tokens = ring.tokens();
    List<Transfer> out = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      List<String> prefs = ring.preferenceListForToken(tokens[i], rf);
      if (!prefs.contains(node)) {
        continue;
      }
      List<String> others = new ArrayList<>(prefs);
      others.remove(node);
      List<String> target = List.of(node);
      if (i == 0) {
        long last = tokens[tokens.length - 1];
        if (last != Long.MAX_VALUE) {
          add(out, new Transfer(last + 1, Long.MAX_VALUE, others, target));
        }
        add(out, new Transfer(Long.MIN_VALUE, tokens[0], others, target));
      } else {
        add(out, new Transfer(tokens[i - 1] + 1, tokens[i], others, target));
      }
    }
    return out;
  }

  /** Appends, merging with the previous transfer when it ends right before and moves the same way. */
  private static void add(List<Transfer> out, Transfer t) {
    if (!out.isEmpty()) {
      Transfer p = out.get(out.size() - 1);
      if (p.last() != Long.MAX_VALUE && p.last() + 1 == t.first() && p.sources().equals(t.sources()) && p.targets().equals(t.targets())) {
        out.set(out.size() - 1, new Transfer(p.first(), t.last(), p.sources(), p.targets()));
        return;
      }
    }
    out.add(t);
  }
}
