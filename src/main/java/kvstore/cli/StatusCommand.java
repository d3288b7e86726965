package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Every node with its status, ring state (JOINING, NORMAL, LEAVING), address, generation, data size, pending hints "
        + "and the range movement it runs (like nodetool status and netstats).")
final class StatusCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      ReplicaProto.NodeStatus seed = c.call(node.node, ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
      System.out.printf("cluster %s seen by %s: %d nodes, RF %d, %d vnodes each%n", seed.getClusterName(), seed.getNodeId(),
          seed.getMembersCount(), seed.getReplicationFactor(), seed.getVnodes());
      System.out.printf("%-12s %-8s %-8s %-22s %-15s %12s %10s %14s %-14s%n", "node", "status", "state", "grpc address", "generation",
          "rows", "size", "hints pending", "merkle trees");
      java.util.List<String> moves = new java.util.ArrayList<>();
      java.util.List<String> disks = new java.util.ArrayList<>();
      java.util.List<String> stuck = new java.util.ArrayList<>();
      for (ReplicaProto.MemberInfo m : seed.getMembersList()) {
        if (m.getState().equals("LEAVING") && !m.getStatus().equals("UP")) {
          stuck.add(m.getNodeId() + " is LEAVING while " + m.getStatus() + ": a removenode of it runs, or stopped half-way; if it stopped, retry: kvctl removenode "
              + m.getNodeId() + "; abort (back to the ring before): kvctl removenode " + m.getNodeId() + " --abort");
        }
        String rows = "?";
        String size = "?";
        long hints = 0;
        String trees = "?";
        if (m.getStatus().equals("UP")) {
          try {
            ReplicaProto.NodeStatus s = c.call(c.addressOf(m), ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
            rows = Long.toString(s.getRows());
            size = RingCommand.bytes(s.getDataBytes());
            hints = s.getHintsPendingMap().values().stream().mapToLong(Long::longValue).sum();
            trees = s.getTreesReady() ? "ready" : "building (" + s.getTreesRowsScanned() + " rows)";
            if (s.getStatsOrDefault("disk.full", 0) > 0) {
              disks.add(m.getNodeId() + ": DISK FULL (" + RingCommand.bytes((long) s.getStatsOrDefault("disk.usable_bytes", 0))
                  + " usable in its dataDir): writes to it fail and are hinted to others until space is freed");
            }
            long snapshots = (long) s.getStatsOrDefault("disk.snapshot_bytes", 0);
            if (snapshots > 0) {
              disks.add(m.getNodeId() + ": snapshots take " + RingCommand.bytes(snapshots) + " in its dataDir besides its data "
                  + "(kvctl snapshot list / delete)");
            }
            if (m.getState().equals("LEAVING") && s.hasMove() && s.getMove().getKind().equals("decommission") && s.getMove().getDone()
                && s.getMove().getFailed()) {
              stuck.add(m.getNodeId() + " is LEAVING and its decommission failed (" + s.getMove().getMessage() + "); retry: kvctl decommission --node "
                  + c.addressOf(m) + "; abort (NORMAL again): kvctl decommission --abort --node " + c.addressOf(m));
            }
            if (s.hasMove()) {
              moves.add(m.getNodeId() + ": " + MoveCommand.line(s.getMove()) + (s.getMove().getDone() ? " (done)" : ""));
            }
          } catch (RuntimeException e) {
            rows = "unreachable";
          }
        }
        System.out.printf("%-12s %-8s %-8s %-22s %-15d %12s %10s %14d %-14s%n", m.getNodeId(), m.getStatus(),
            m.getState().isEmpty() ? "NORMAL" : m.getState(), m.getGrpcAddress(), m.getGeneration(), rows, size, hints, trees);
      }
      disks.forEach(System.out::println);
      stuck.forEach(System.out::println);
      for (String move : moves) {
        System.out.println("range movement on " + move);
      }
      return 0;
    }
  }
}
