package kvstore.repair;

import kvstore.ring.Ring;
import kvstore.storage.RowHashIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One {@link MerkleTree} per token range of the ring that this node replicates. Every key of a
 * range has the same replicas, so the range's tree is comparable with the tree of the same range on
 * any other replica of it, as long as both built their trees for the same ring (same
 * {@link #fingerprint()}).
 *
 * <p>Built by a scan of storage in rowid order. While the scan runs, a write is added to
 * the trees only if the scan has already passed its row; rows ahead of the scan are read by it
 * later, already written. The storage writer runs both the scan pages and the writes, one at a
 * time, so the rule is exact. Touch {@link #apply} and {@link #scanned} from that writer only.
 */
public final class RangeTrees implements RowHashIndex {
  private final String self;
  private final long fingerprint;
  private final long[] tokens;
  private final MerkleTree[] trees;
  private final List<List<String>> replicas;
  private volatile boolean ready;
  private volatile long rows;
  private long cursor = Long.MIN_VALUE;

  public RangeTrees(Ring ring, int replicationFactor, String self) {
    this.self = self;
    this.fingerprint = ring.fingerprint();
    this.tokens = ring.tokens();
    this.trees = new MerkleTree[tokens.length];
    this.replicas = new ArrayList<>(tokens.length);
    for (int i = 0; i < tokens.length; i++) {
      List<String> prefs = ring.preferenceListForToken(tokens[i], replicationFactor);
      replicas.add(prefs);
      if (prefs.contains(self)) {
        long start = tokens[(i - 1 + tokens.length) % tokens.length];
        trees[i] = new MerkleTree(start, tokens[i]);
      }
    }
  }

  public String self() {
    return self;
  }

  @Override
  public long fingerprint() {
    return fingerprint;
  }

  /** True once the build scan has covered all of storage; until then the trees are partial. */
  public boolean ready() {
    return ready;
  }

  /** Rows the build scan has read so far. */
  @Override
  public long rowsScanned() {
    return rows;
  }

  public int rangeCount() {
    return tokens.length;
  }

  /** The index of the range holding the token: the first token at or after it, wrapping to 0. */
  public int rangeOf(long token) {
    int i = Arrays.binarySearch(tokens, token);
    if (i < 0) {
      i = -i - 1;
    }
    return i == tokens.length ? 0 : i;
  }

  /** The tree of range {@code i}, or null when this node does not replicate it. */
  public MerkleTree tree(int i) {
    return i >= 0 && i < trees.length ? trees[i] : null;
  }

  public List<String> replicas(int range) {
    return replicas.get(range);
  }

  /** Root hash of every range's tree, 0 where this node keeps none: equal arrays mean equal trees. */
  public long[] roots() {
    long[] out = new long[trees.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = trees[i] == null ? 0 : trees[i].root();
    }
    return out;
  }

  /** The ranges this node and {@code peer} both replicate: what anti-entropy between them compares. */
  public List<Integer> sharedWith(String peer) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < trees.length; i++) {
      if (trees[i] != null && replicas.get(i).contains(peer)) {
        out.add(i);
      }
    }
    return out;
  }

  @Override
  public void apply(long rowid, long token, long oldHash, long newHash) {
    if (oldHash == newHash || !scanned(rowid)) {
      return;
    }
    MerkleTree t = trees[rangeOf(token)];
    if (t != null) {
      t.add(token, newHash - oldHash);
    }
  }

  @Override
  public void addScanned(long rowid, long token, long hash) {
    MerkleTree t = trees[rangeOf(token)];
    if (t != null) {
      t.add(token, hash);
    }
    cursor = rowid;
    rows++;
  }

  @Override
  public void markReady() {
    ready = true;
  }

  /** Whether the build scan has passed the row, so the trees already count it. */
  public boolean scanned(long rowid) {
    return ready || rowid <= cursor;
  }

  @Override
  public long scannedThrough() {
    return cursor;
  }
}
