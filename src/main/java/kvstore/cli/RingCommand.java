package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.ring.Ring;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ring", mixinStandardHelpOptions = true,
    description = "Token ownership per node: share of the keyspace each node is primary for, and holds as a replica.")
final class RingCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      ReplicaProto.NodeStatus s = c.call(node.node, ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
      List<String> ids = new ArrayList<>();
      for (ReplicaProto.MemberInfo m : s.getMembersList()) {
        if (!m.getStatus().equals("LEFT")) {
          ids.add(m.getNodeId());
        }
      }
      // the same ring every node builds from this membership (ring/Ring.java)
      Ring ring = Ring.of(ids, s.getVnodes());
      Map<String, Double> primary = ring.ownership();
      Map<String, Integer> replicaOf = new HashMap<>();
      int samples = 100_000;
      for (int i = 0; i < samples; i++) {
        for (String n : ring.preferenceListForToken(Ring.token("sample-" + i), s.getReplicationFactor())) {
          replicaOf.merge(n, 1, Integer::sum);
        }
      }
      System.out.printf("%d nodes, %d vnodes each, RF %d%n", ids.size(), s.getVnodes(), s.getReplicationFactor());
      System.out.printf("%-12s %10s %18s%n", "node", "primary %", "replica of keys %");
      for (String id : ring.nodes()) {
        System.out.printf("%-12s %9.2f%% %17.2f%%%n", id, 100 * primary.getOrDefault(id, 0.0),
            100.0 * replicaOf.getOrDefault(id, 0) / samples);
      }
      return 0;
    }
  }

  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    if (b < 1024 * 1024) {
      return String.format("%.1f KiB", b / 1024.0);
    }
    if (b < 1024L * 1024 * 1024) {
      return String.format("%.1f MiB", b / 1024.0 / 1024);
    }
    return String.format("%.2f GiB", b / 1024.0 / 1024 / 1024);
  }
}
