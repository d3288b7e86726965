package kvstore.repair;

import kvstore.ring.Ring;

import java.util.List;
import java.util.function.Predicate;

/** The keys two nodes both replicate: anti-entropy between them compares and moves only those. */
public final class SharedKeys {
  private SharedKeys() {
  }

  public static Predicate<String> between(Ring ring, int replicationFactor, String a, String b) {
    return key -> {
      List<String> prefs = ring.preferenceList(key, replicationFactor);
      return prefs.contains(a) && prefs.contains(b);
    };
  }
}
