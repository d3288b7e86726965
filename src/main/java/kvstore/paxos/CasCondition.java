package kvstore.paxos;

import kvstore.version.Versioned;
import kvstore.version.Versions;

import java.util.Arrays;

/** What the key's current state must be for a compare-and-set to apply. */
public sealed interface CasCondition {
  /** Whether the condition holds for {@code current} (null: never written) at wall-clock {@code nowMs}. */
  boolean holds(Versioned current, long nowMs);

  /** Never written, deleted, or expired. */
  record Absent() implements CasCondition {
    @Override
    public boolean holds(Versioned current, long nowMs) {
      return current == null || !current.liveAt(nowMs);
    }

    @Override
    public String toString() {
      return "absent";
    }
  }

  /** The current value's {@code modified_at} (milliseconds, as a Get returns it) is this one. */
  record ModifiedAt(long millis) implements CasCondition {
    @Override
    public boolean holds(Versioned current, long nowMs) {
      return current != null && current.liveAt(nowMs) && Versions.toMillis(current.version()) == millis;
    }

    @Override
    public String toString() {
      return "modified_at " + millis;
    }
  }

  /** The current value equals these bytes (a missing key equals no value, not even the empty one). */
  record Value(byte[] expected) implements CasCondition {
    @Override
    public boolean holds(Versioned current, long nowMs) {
      return current != null && current.liveAt(nowMs) && Arrays.equals(current.value(), expected);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Value v && Arrays.equals(expected, v.expected);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(expected);
    }

    @Override
    public String toString() {
      return "value of " + expected.length + " bytes";
    }
  }
}
