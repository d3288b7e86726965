package kvstore.repair;

import kvstore.ring.Murmur3;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Merkle tree over one token range (start, end]: {@value #LEAVES} leaves, each the sum of the
 * {@link kvstore.storage.RowHash}es of the rows whose token falls in its sub-range, and inner nodes that hash their
 * {@value #FANOUT} children. Three levels (root, 16, 256) so two nodes find differing leaves in
 * three round trips.
 *
 * <p>A leaf is a sum, not a hash of a sorted list, so a write updates it in O(1) without reading
 * the leaf's other rows: leaf += hash(new row) - hash(old row). Leaves are atomic, so the storage
 * writer updates them while anti-entropy reads them; inner nodes are computed when asked, which
 * costs 272 hashes — nothing beside a network round trip.
 */
public final class MerkleTree {
  public static final int FANOUT = 16;
  public static final int LEAVES = FANOUT * FANOUT;
  /** Levels: 0 is the root, 1 has 16 nodes, 2 holds the 256 leaves. */
  public static final int LEAF_LEVEL = 2;

  private final long start;
  private final long end;
  /** Unsigned offsets from start of each leaf's upper bound; leaf i covers (bound[i-1], bound[i]], bound[-1] = 0. */
  private final long[] upper = new long[LEAVES];
  private final AtomicLongArray leaves = new AtomicLongArray(LEAVES);

  /** A tree over (start, end]; start == end means the whole token circle (a one-token ring). */
  public MerkleTree(long start, long end) {
    this.start = start;
    this.end = end;
    long width = end - start;
    for (int i = 0; i < LEAVES; i++) {
      // exact floor(width * (i+1) / 256) in unsigned 64-bit arithmetic; width 0 stands for 2^64
      long k = i + 1;
      upper[i] = width == 0 ? k << 56 : (width >>> 8) * k + (((width & 0xff) * k) >>> 8);
    }
    if (width == 0) {
      upper[LEAVES - 1] = 0; // 2^64 wraps to 0: the last leaf ends where the circle closes
    }
  }

  public long start() {
    return start;
  }

  public long end() {
    return end;
  }

  /** Whether the token lies in (start, end]. */
  public boolean covers(long token) {
    long off = token - start;
    long width = end - start;
    return width == 0 || (off != 0 && Long.compareUnsigned(off, width) <= 0);
  }

  /** The leaf whose sub-range holds the token; the token must be {@link #covers covered}. */
  public int leafOf(long token) {
    long off = token - start;
    if (off == 0) {
      return LEAVES - 1; // only for the whole circle: start itself closes the last leaf
    }
    // mid < hi always, so upper[LEAVES - 1] (possibly 2^64 wrapped to 0) is never compared
    int lo = 0;
    int hi = LEAVES - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(off, upper[mid]) > 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The leaf's token interval as (low, high], in the ring's signed token space. */
  public long[] leafBounds(int leaf) {
    long low = start + (leaf == 0 ? 0 : upper[leaf - 1]);
    long high = start + upper[leaf];
    return new long[] {low, high};
  }

  /** Adds {@code delta} to the leaf holding the token (a row hash in, a row hash out, or their difference). */
  public void add(long token, long delta) {
    if (delta != 0) {
      leaves.addAndGet(leafOf(token), delta);
    }
  }

  public long leaf(int i) {
    return leaves.get(i);
  }

  /** The hash of node {@code index} on {@code level} (0 root, 1 middle, 2 leaves). */
  public long node(int level, int index) {
    if (level == LEAF_LEVEL) {
      return leaves.get(index);
    }
    if (level == 1) {
      return combine(index * FANOUT, FANOUT, leaves);
    }
    long[] middle = new long[FANOUT];
    for (int i = 0; i < FANOUT; i++) {
      middle[i] = node(1, i);
    }
    return combine(middle);
  }

  public long root() {
    return node(0, 0);
  }

  /** Children of node {@code index} on {@code level}: their level and indexes. */
  public static int[] children(int level, int index) {
    int[] out = new int[FANOUT];
    for (int i = 0; i < FANOUT; i++) {
      out[i] = level == 0 ? i : index * FANOUT + i;
    }
    return out;
  }

  /**
   * The leaves where two trees over the same range differ, found top-down the way two nodes find
   * them over the network: compare roots, descend only into differing children.
   */
  public static List<Integer> differingLeaves(MerkleTree a, MerkleTree b) {
    List<Integer> out = new ArrayList<>();
    if (a.root() == b.root()) {
      return out;
    }
    for (int m = 0; m < FANOUT; m++) {
      if (a.node(1, m) == b.node(1, m)) {
        continue;
      }
      for (int leaf : children(1, m)) {
        if (a.leaf(leaf) != b.leaf(leaf)) {
          out.add(leaf);
        }
      }
    }
    return out;
  }

  private static long combine(int from, int count, AtomicLongArray src) {
    ByteBuffer buf = ByteBuffer.allocate(count * 8);
    for (int i = 0; i < count; i++) {
      buf.putLong(src.get(from + i));
    }
    return Murmur3.hash64(buf.array());
  }

  private static long combine(long[] children) {
    ByteBuffer buf = ByteBuffer.allocate(children.length * 8);
    for (long c : children) {
      buf.putLong(c);
    }
    return Murmur3.hash64(buf.array());
  }
}
