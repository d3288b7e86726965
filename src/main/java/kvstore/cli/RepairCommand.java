package kvstore.cli;

import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "repair", mixinStandardHelpOptions = true,
    description = "Run one anti-entropy round on the node now, with every live peer; prints rows exchanged.")
final class RepairCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;

  @Override
  public Integer call() {
    try (NodeConnection c = new NodeConnection(Math.max(node.timeoutMs, 3_600_000))) {
      System.out.println("repairing " + node.node + " ...");
      ReplicaProto.RepairResult r = c.replica(node.node).repair(ReplicaProto.RepairRequest.getDefaultInstance()).await();
      System.out.printf("repaired with %s: %d rows exchanged in %.1f s%n", r.getPeersList(), r.getRowsExchanged(), r.getMillis() / 1000.0);
      return 0;
    }
  }
}
