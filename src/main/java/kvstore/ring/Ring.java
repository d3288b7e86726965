package kvstore.ring;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An immutable consistent-hash ring. Each node owns {@code vnodes} tokens, hash(nodeId + "#" + i);
 * a key belongs to the first token at or clockwise after hash(key). Any two nodes that know the
 * same members build the same ring, so they agree on every preference list without talking.
 */
public final class Ring {
  private final long[] tokens;
  private final String[] owners;
  private final List<String> nodes;

  private Ring(long[] tokens, String[] owners, List<String> nodes) {
    this.tokens = tokens;
    this.owners = owners;
    this.nodes = nodes;
  }

  public static Ring of(Collection<String> nodeIds, int vnodes) {
    if (vnodes < 1) {
      throw new IllegalArgumentException("vnodes must be >= 1");
    }
    List<String> sorted = new ArrayList<>(new TreeSet<>(nodeIds));
    // sort (token, owner) pairs by token; on the (astronomically unlikely) equal token the node id decides
    Map<Long, String> byToken = new HashMap<>();
    for (String node : sorted) {
      for (int i = 0; i < vnodes; i++) {
        long t = token(node + "#" + i);
        String prev = byToken.get(t);
        if (prev != null && prev.compareTo(node) <= 0) {
          continue;
        }
        byToken.put(t, node);
      }
    }
    Long[] keys = byToken.keySet().toArray(new Long[0]);
    Arrays.sort(keys);
    long[] toks = new long[keys.length];
    String[] own = new String[keys.length];
    int k = 0;
    for (Long t : keys) {
      toks[k] = t;
      own[k] = byToken.get(t);
      k++;
    }
    return new Ring(toks, own, List.copyOf(sorted));
  }

  public static long token(String s) {
    return Murmur3.hash64(s.getBytes(StandardCharsets.UTF_8));
  }

  public List<String> nodes() {
    return nodes;
  }

  /** The ring's tokens in ascending (signed) order; range i is (tokens[i-1], tokens[i]], range 0 wraps. */
  public long[] tokens() {
    return tokens.clone();
  }

  /**
   * Identifies the ring's layout: two nodes with the same fingerprint cut the token space into the
   * same ranges with the same replicas, so their per-range Merkle trees are comparable.
   */
  public long fingerprint() {
    long h = 1125899906842597L;
    for (int i = 0; i < tokens.length; i++) {
      h = h * 31 + tokens[i];
      h = h * 31 + owners[i].hashCode();
    }
    return h;
  }

  /** The first {@code rf} distinct nodes clockwise from the key's token (fewer if the ring is smaller). */
  public List<String> preferenceList(String key, int rf) {
    return preferenceListForToken(token(key), rf);
  }

  public List<String> preferenceListForToken(long token, int rf) {
    int want = Math.min(rf, nodes.size());
    List<String> out = new ArrayList<>(want);
    if (want == 0) {
      return out;
    }
    int i = Arrays.binarySearch(tokens, token);
    if (i < 0) {
      i = -i - 1;
    }
    for (int step = 0; step < tokens.length && out.size() < want; step++) {
      String owner = owners[(i + step) % tokens.length];
      if (!out.contains(owner)) {
        out.add(owner);
      }
    }
    return out;
  }

  /** Fraction of the token space (0..1) for which each node is the primary owner. */
  public Map<String, Double> ownership() {
    return replicaOwnership(1);
  }

  /** Fraction of the token space (0..1) each node holds as one of the {@code rf} replicas, primary included. */
  public Map<String, Double> replicaOwnership(int rf) {
    Map<String, Double> share = new HashMap<>();
    for (String node : nodes) {
      share.put(node, 0.0);
    }
    if (tokens.length == 0) {
      return share;
    }
    double space = Math.pow(2, 64);
    for (int i = 0; i < tokens.length; i++) {
      long prev = tokens[(i - 1 + tokens.length) % tokens.length];
      double width = tokens.length == 1 ? space : unsigned(tokens[i] - prev);
      // every token in (prev, tokens[i]] has the preference list of tokens[i]
      for (String n : preferenceListForToken(tokens[i], rf)) {
        share.merge(n, width / space, Double::sum);
      }
    }
    return share;
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : v + Math.pow(2, 64);
  }
}
