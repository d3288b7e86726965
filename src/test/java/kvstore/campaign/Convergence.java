package kvstore.campaign;

import java.util.ArrayList;
import java.util.List;

/**
 * The checker's convergence rule, on what {@code kvctl where KEY} prints after healing and a
 * repair: every replica of the key holds the same row (value hash, version, tombstone), or none
 * holds it. A replica that cannot be reached, or one that differs, is a violation: anti-entropy
 * and the final reads at ALL had every chance to mend it.
 */
public final class Convergence {
  private Convergence() {
  }

  /** Null when every replica listed holds the same row; else what differs. */
  public static String diverged(String whereOutput) {
    List<String> rows = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    boolean table = false;
    for (String line : whereOutput.lines().toList()) {
      if (line.startsWith("replica ")) {
        table = true;
        continue;
      }
      if (!table || line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[2].equals("unreachable:")) {
        return "replica " + f[0] + " unreachable after healing: " + line.trim();
      }
      // id, status, then "(absent)" or hash, modified_at, tombstone, bytes, expiry
      rows.add(f.length >= 5 ? f[2] + " " + f[3] + " " + f[4] : f.length >= 3 ? f[2] : "?");
      lines.add(line.trim());
    }
    if (rows.isEmpty()) {
      return "no replica listed: " + whereOutput.trim();
    }
    if (rows.stream().distinct().count() > 1) {
      return "replicas differ: " + String.join("; ", lines);
    }
    return null;
  }
}
