package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "removenode", mixinStandardHelpOptions = true,
    description = "Removes a dead node for good: the node at --node streams the dead node's ranges from the surviving replicas "
        + "to their next owners, then announces it LEFT; hints for it are dropped. The dead node may only come back wiped, as a new node. "
        + "Run it again to retry one that failed half-way, or with --abort to end it: the dead node is NORMAL (and DOWN) again. "
        + "A node that died before its join finished is LEFT at once.")
final class RemoveNodeCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", paramLabel = "NODE_ID", description = "id of the dead node")
  String nodeId;
  @picocli.CommandLine.Option(names = "--abort", description = "end a removenode that failed half-way: the node is NORMAL again, the ring as before")
  boolean abort;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 24L * 3600 * 1000))) {
      System.out.println((abort ? "aborting the removal of " : "removing ") + nodeId + " through " + node.node + " ...");
      return MoveCommand.follow(c, node.node, ReplicaGrpcClient.RemoveNode,
          ReplicaProto.RemoveNodeRequest.newBuilder().setNodeId(nodeId).setAbort(abort).build());
    }
  }
}
