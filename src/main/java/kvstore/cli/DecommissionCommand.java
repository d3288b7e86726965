package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "decommission", mixinStandardHelpOptions = true,
    description = "The node (--node) leaves the cluster for good: it becomes LEAVING, streams every range it holds to the nodes "
        + "that take it over, hands off its hints, becomes LEFT and exits. Refused while another node joins or leaves. "
        + "Run it again to retry one that failed half-way, or with --abort to end it: the node is NORMAL again.")
final class DecommissionCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @picocli.CommandLine.Option(names = "--abort", description = "end a decommission that failed half-way: the node is NORMAL again, the ring as before")
  boolean abort;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 24L * 3600 * 1000))) {
      System.out.println((abort ? "aborting the decommission of the node at " : "decommissioning the node at ") + node.node + " ...");
      return MoveCommand.follow(c, node.node, ReplicaGrpcClient.Decommission, ReplicaProto.DecommissionRequest.newBuilder().setAbort(abort).build());
    }
  }
}
