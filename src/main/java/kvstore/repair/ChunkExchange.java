package kvstore.repair;

import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What two replicas of a chunk must send each other: each row that one side lacks or holds an
 * older version of goes from the side with the winning version (last-write-wins).
 */
public record ChunkExchange(List<Versioned> pull, List<Versioned> push) {

  public static ChunkExchange between(List<Versioned> mine, List<Versioned> theirs) {
    Map<String, Versioned> mineByKey = new HashMap<>(mine.size() * 2);
    for (Versioned v : mine) {
      mineByKey.put(v.key(), v);
    }
    List<Versioned> pull = new ArrayList<>();
    Map<String, Versioned> theirsByKey = new HashMap<>(theirs.size() * 2);
    for (Versioned t : theirs) {
      theirsByKey.put(t.key(), t);
      if (t.newerThan(mineByKey.get(t.key()))) {
        pull.add(t);
      }
    }
    List<Versioned> push = new ArrayList<>();
    for (Versioned m : mine) {
      if (m.newerThan(theirsByKey.get(m.key()))) {
        push.add(m);
      }
    }
    return new ChunkExchange(pull, push);
  }
}
