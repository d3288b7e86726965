package kvstore.repair;

import kvstore.replica.proto.ReplicaProto;

import java.util.ArrayList;
import java.util.List;

/**
 * Totals of one repair session (a periodic round or {@code kvctl repair}) over its peers: the peers
 * done so far plus the one in progress. Used from the anti-entropy verticle's event loop only.
 */
final class RepairTotals {
  private final int peersTotal;
  private final long startedNanos = System.nanoTime();
  private final List<String> failed = new ArrayList<>();
  private int peersDone;
  private int rangesCompared;
  private int rangesDiffering;
  private long leavesDiffering;
  private long rowsPulled;
  private long rowsPushed;
  private long bytes;
  private PeerSync.Tally current;
  private boolean done;

  RepairTotals(int peersTotal) {
    this.peersTotal = peersTotal;
  }

  /** The peer being synced now; its tally counts in every snapshot until {@link #peerDone}. */
  void syncing(PeerSync.Tally tally) {
    current = tally;
  }

  /** The current peer is done (or failed, with {@code failure}); its tally joins the totals. */
  void peerDone(String failure) {
    if (current != null) {
      rangesCompared += current.rangesCompared;
      rangesDiffering += current.rangesDiffering;
      leavesDiffering += current.leavesDiffering;
      rowsPulled += current.rowsPulled;
      rowsPushed += current.rowsPushed;
      bytes += current.bytes;
      current = null;
    }
    if (failure != null) {
      failed.add(failure);
    }
    peersDone++;
  }

  void finish() {
    done = true;
  }

  long rows() {
    return rowsPulled + rowsPushed + (current == null ? 0 : current.rowsMoved());
  }

  /** The totals so far as kvctl receives them; {@code peer}: the one in progress, or "". */
  ReplicaProto.RepairProgress toProto(String peer) {
    PeerSync.Tally t = current;
    return ReplicaProto.RepairProgress.newBuilder().setPeer(peer).setPeersDone(peersDone).setPeersTotal(peersTotal)
        .setRangesCompared(rangesCompared + (t == null ? 0 : t.rangesCompared))
        .setRangesDiffering(rangesDiffering + (t == null ? 0 : t.rangesDiffering))
        .setLeavesDiffering(leavesDiffering + (t == null ? 0 : t.leavesDiffering))
        .setRowsPulled(rowsPulled + (t == null ? 0 : t.rowsPulled))
        .setRowsPushed(rowsPushed + (t == null ? 0 : t.rowsPushed))
        .setBytes(bytes + (t == null ? 0 : t.bytes))
        .setMillis((System.nanoTime() - startedNanos) / 1_000_000).setDone(done)
        .setMessage(failed.isEmpty() ? "" : "failed: " + String.join("; ", failed)).build();
  }
}
