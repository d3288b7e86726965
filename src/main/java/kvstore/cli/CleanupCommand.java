package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "cleanup", mixinStandardHelpOptions = true,
    description = "Deletes the rows the node (--node) no longer replicates, after a node joined (like nodetool cleanup); "
        + "refused while ranges move, and stops if a move starts.")
final class CleanupCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 24L * 3600 * 1000))) {
      System.out.println("cleaning up the node at " + node.node + " ...");
      return MoveCommand.follow(c, node.node, ReplicaGrpcClient.Cleanup, ReplicaProto.CleanupRequest.getDefaultInstance());
    }
  }
}
