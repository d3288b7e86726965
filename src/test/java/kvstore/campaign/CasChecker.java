package kvstore.campaign;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a history of one key's compare-and-sets and SERIAL reads is linearizable for a
 * CAS register: some order of the operations, each placed between its invocation and its
 * completion, in which every read returns the value before it, every applied CAS found its
 * expected value, and every refused one found the value it answered (and not the expected one).
 * An indeterminate CAS may take effect at any time after its invocation, or never. The search is
 * Wing and Gong's, with states already tried remembered (as Knossos and Porcupine do); it is
 * exponential only in how many operations overlap, which a test's few clients keep small.
 */
public final class CasChecker {
  public enum Kind { READ, CAS }

  public enum Outcome { OK, APPLIED, NOT_APPLIED, UNKNOWN }

  /**
   * One operation. READ: {@code observed} is what it returned (null: absent), outcome OK. CAS:
   * {@code expect} (null: absent) to {@code value} (null: a delete); APPLIED, NOT_APPLIED (then
   * {@code observed} is the current value it answered) or UNKNOWN.
   */
  public record CasOp(int process, Kind kind, String expect, String value, String observed, Outcome outcome, long invokeNs,
                      long completeNs) {
    public static CasOp read(int process, String observed, long invokeNs, long completeNs) {
      return new CasOp(process, Kind.READ, null, null, observed, Outcome.OK, invokeNs, completeNs);
    }

    public static CasOp cas(int process, String expect, String value, Outcome outcome, String observed, long invokeNs, long completeNs) {
      return new CasOp(process, Kind.CAS, expect, value, observed, outcome, invokeNs, completeNs);
    }

    long completes() {
      return outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : completeNs;
    }

    @Override
    public String toString() {
      return "p" + process + " " + (kind == Kind.READ ? "read -> " + observed
          : "cas " + expect + " -> " + value + " " + outcome + (outcome == Outcome.NOT_APPLIED ? " (saw " + observed + ")" : ""))
          + " [" + invokeNs / 1_000_000 + " .. " + (outcome == Outcome.UNKNOWN ? "?" : completeNs / 1_000_000) + " ms]";
    }
  }

  /** Null when linearizable from {@code initial}; else a message naming the operations no order could place. */
  public static String check(List<CasOp> history, String initial) {
    List<CasOp> ops = new ArrayList<>(history);
    ops.sort(Comparator.comparingLong(CasOp::invokeNs));
    Search s = new Search(ops);
    if (s.linearizable(new BitSet(ops.size()), initial)) {
      return null;
    }
    StringBuilder b = new StringBuilder("not linearizable: no order places every operation; the longest prefix placed "
        + s.deepest + " of " + ops.size() + " (the last of them by invocation below), at value " + s.stuckState + ", stuck among:");
    for (CasOp o : s.stuckAt) {
      b.append("\n    ").append(o);
    }
    b.append("\n  placed last:");
    for (CasOp o : s.placedBefore) {
      b.append("\n    ").append(o);
    }
    return b.toString();
  }

  private static final class Search {
    private final List<CasOp> ops;
    private final Set<List<Object>> tried = new HashSet<>();
    private int deepest = -1;
    private List<CasOp> stuckAt = List.of();
    private String stuckState;
    private List<CasOp> placedBefore = List.of();

    Search(List<CasOp> ops) {
      this.ops = ops;
    }

    boolean linearizable(BitSet done, String state) {
      int placed = done.cardinality();
      long firstCompletion = Long.MAX_VALUE;
      boolean finished = true;
      for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
        firstCompletion = Math.min(firstCompletion, ops.get(i).completes());
        finished &= ops.get(i).outcome() == Outcome.UNKNOWN;
      }
      if (finished) {
        return true; // what is left may never have taken effect
      }
      if (!tried.add(List.of(done.clone(), Objects.toString(state, "\u0000absent")))) {
        return false;
      }
      List<CasOp> candidates = new ArrayList<>();
      for (int i = done.nextClearBit(0); i < ops.size() && ops.get(i).invokeNs() <= firstCompletion; i = done.nextClearBit(i + 1)) {
        CasOp o = ops.get(i);
        candidates.add(o);
        String next = step(o, state);
        if (next != INVALID) {
          done.set(i);
          boolean ok = linearizable(done, next);
          done.clear(i);
          if (ok) {
            return true;
          }
        }
      }
      if (placed > deepest) {
        deepest = placed;
        stuckAt = candidates;
        stuckState = state;
        List<CasOp> last = new ArrayList<>();
        for (int i = done.previousSetBit(ops.size() - 1); i >= 0 && last.size() < 6; i = done.previousSetBit(i - 1)) {
          last.add(0, ops.get(i));
        }
        placedBefore = last;
      }
      return false;
    }
  }

  private static final String INVALID = new String("invalid");

  /** The state after {@code o} from {@code state}, or INVALID when {@code o} cannot happen there. */
  private static String step(CasOp o, String state) {
    if (o.kind() == Kind.READ) {
      return Objects.equals(o.observed(), state) ? state : INVALID;
    }
    return switch (o.outcome()) {
      case APPLIED, UNKNOWN -> Objects.equals(o.expect(), state) ? o.value() : INVALID;
      case NOT_APPLIED -> !Objects.equals(o.expect(), state) && Objects.equals(o.observed(), state) ? state : INVALID;
      case OK -> INVALID;
    };
  }
}
