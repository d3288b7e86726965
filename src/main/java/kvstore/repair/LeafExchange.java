package kvstore.repair;

import kvstore.storage.RowHash;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What two replicas of a differing leaf must send each other, decided from this side's rows and
 * the peer's digests: keys to pull (the peer lacks nothing we have newer) and rows to push. Equal
 * versions with different content (a tie only the value breaks) go both ways; each side's
 * last-write-wins keeps the same winner. Tombstones and expired values old enough for garbage
 * collection are not sent:
 * one replica may already have purged what the other has not yet, and sending it back would only
 * make it be purged again.
 */
public record LeafExchange(List<String> pull, List<Versioned> push) {

  public static LeafExchange between(List<Versioned> mine, List<KeyDigest> theirs, long purgeableBelowVersion) {
    Map<String, Versioned> mineByKey = new HashMap<>(mine.size() * 2);
    for (Versioned m : mine) {
      mineByKey.put(m.key(), m);
    }
    List<String> pull = new ArrayList<>();
    List<Versioned> push = new ArrayList<>();
    Map<String, KeyDigest> theirsByKey = new HashMap<>(theirs.size() * 2);
    for (KeyDigest t : theirs) {
      theirsByKey.put(t.key(), t);
      Versioned m = mineByKey.get(t.key());
      if (m == null) {
        if (!t.purgeableBelow(purgeableBelowVersion)) {
          pull.add(t.key());
        }
      } else if (RowHash.of(m) != t.hash()) {
        if (t.version() >= m.version()) {
          pull.add(t.key());
        }
        if (m.version() >= t.version()) {
          push.add(m);
        }
      }
    }
    for (Versioned m : mine) {
      if (!theirsByKey.containsKey(m.key()) && !m.purgeableBelow(purgeableBelowVersion)) {
        push.add(m);
      }
    }
    return new LeafExchange(pull, push);
  }
}
