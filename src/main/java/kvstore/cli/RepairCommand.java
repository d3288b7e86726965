package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "repair", mixinStandardHelpOptions = true,
    description = "Compare the node's Merkle trees with every live peer (or one) now and exchange the rows that differ; "
        + "prints progress and the rows exchanged.")
final class RepairCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Option(names = "--peer", description = "repair with this node id only (default: every live peer sharing ranges)")
  String peer;
  @Option(names = "--rows-per-sec", description = "this repair's throttle (default: the node's antiEntropyRowsPerSec)")
  int rowsPerSec;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 24L * 3600 * 1000))) {
      System.out.println("repairing " + node.node + (peer == null ? " with every live peer" : " with " + peer) + " ...");
      ReplicaProto.RepairRequest req = ReplicaProto.RepairRequest.newBuilder().setPeer(peer == null ? "" : peer)
          .setRowsPerSec(rowsPerSec).build();
      long[] lastPrint = {0};
      ReplicaProto.RepairProgress[] last = new ReplicaProto.RepairProgress[1];
      c.stream(node.node, ReplicaGrpcClient.Repair, req, p -> {
        if (p.getDone()) {
          last[0] = p;
        } else if (System.nanoTime() - lastPrint[0] > 1_000_000_000L) {
          lastPrint[0] = System.nanoTime();
          System.out.printf("  %s (peer %d/%d): %d/%d ranges differ, %d leaves, %d rows pulled, %d pushed, %d bytes, %.1f s%n",
              p.getPeer(), Math.min(p.getPeersDone() + 1, p.getPeersTotal()), p.getPeersTotal(), p.getRangesDiffering(),
              p.getRangesCompared(), p.getLeavesDiffering(), p.getRowsPulled(), p.getRowsPushed(), p.getBytes(), p.getMillis() / 1000.0);
        }
      });
      if (last[0] == null) {
        System.err.println("repair failed: the node ended the repair stream without a result");
        return 1;
      }
      ReplicaProto.RepairProgress r = last[0];
      System.out.printf("repaired with %d peer(s): %d rows exchanged (%d pulled, %d pushed); %d of %d ranges and %d leaves differed; "
              + "%d bytes in %.1f s%n", r.getPeersTotal(), r.getRowsPulled() + r.getRowsPushed(), r.getRowsPulled(), r.getRowsPushed(),
          r.getRangesDiffering(), r.getRangesCompared(), r.getLeavesDiffering(), r.getBytes(), r.getMillis() / 1000.0);
      if (!r.getMessage().isEmpty()) {
        System.err.println(r.getMessage());
        return 2;
      }
      return 0;
    }
  }
}
