package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * kvctl snapshot create|list|delete: asks every member the node given knows, one after the other,
 * and says for each whether it did it, failed (why) or was skipped (not UP). Exit 0 when every
 * member did; 2 when some were skipped or failed, so a backup script does not take a partial
 * snapshot for a whole one.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = "Cluster-wide snapshots: each member writes a consistent copy of its database to dataDir/snapshots/NAME "
        + "with a manifest, without stopping writes. Restore a stopped node with: java -jar node.jar restore -conf nodeN.json --snapshot NAME",
    subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListAll.class, SnapshotCommand.Delete.class})
final class SnapshotCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, list or delete");
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Every live member takes snapshot NAME of its data now.")
  static final class Create implements Callable<Integer> {
    @Mixin
    NodeOption node;
    @Parameters(index = "0", paramLabel = "NAME", description = "1..64 letters, digits, '.', '_' or '-'")
    String name;

    @Override
    public Integer call() {
      return onEveryMember(node, "create", name, (m, r) -> {
        ReplicaProto.SnapshotInfo s = r.getSnapshots(0);
        return String.format("done: %d rows, %s in %.1f s", s.getRows(), RingCommand.bytes(s.getBytes()), r.getMillis() / 1000.0);
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The snapshots each live member holds.")
  static final class ListAll implements Callable<Integer> {
    @Mixin
    NodeOption node;

    @Override
    public Integer call() {
      return onEveryMember(node, "list", "", (m, r) -> {
        if (r.getSnapshotsCount() == 0) {
          return "no snapshots";
        }
        StringBuilder sb = new StringBuilder(r.getSnapshotsCount() + " snapshot(s), " + RingCommand.bytes(r.getBytes()) + " on disk");
        for (ReplicaProto.SnapshotInfo s : r.getSnapshotsList()) {
          sb.append(String.format("%n    %-24s %s  %12d rows  %10s", s.getName(), Instant.ofEpochMilli(s.getCreatedMs()), s.getRows(),
              RingCommand.bytes(s.getBytes())));
        }
        return sb.toString();
      });
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Every live member deletes snapshot NAME.")
  static final class Delete implements Callable<Integer> {
    @Mixin
    NodeOption node;
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      return onEveryMember(node, "delete", name, (m, r) -> "deleted; " + RingCommand.bytes(r.getBytes()) + " of snapshots left");
    }
  }

  private static int onEveryMember(NodeOption node, String action, String name,
                                   java.util.function.BiFunction<ReplicaProto.MemberInfo, ReplicaProto.SnapshotResult, String> line) {
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 6L * 3600 * 1000))) {
      ReplicaProto.NodeStatus seed = c.call(node.node, ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
      ReplicaProto.SnapshotRequest req = ReplicaProto.SnapshotRequest.newBuilder().setAction(action).setName(name).build();
      List<String> skipped = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      int done = 0;
      for (ReplicaProto.MemberInfo m : seed.getMembersList()) {
        if (m.getStatus().equals("LEFT")) {
          continue;
        }
        if (!m.getStatus().equals("UP")) {
          skipped.add(m.getNodeId());
          System.out.printf("%-12s skipped: %s%n", m.getNodeId(), m.getStatus());
          continue;
        }
        try {
          ReplicaProto.SnapshotResult r = c.call(c.addressOf(m), ReplicaGrpcClient.Snapshot, req);
          System.out.printf("%-12s %s%n", m.getNodeId(), line.apply(m, r));
          done++;
        } catch (RuntimeException e) {
          failed.add(m.getNodeId());
          System.out.printf("%-12s failed: %s%n", m.getNodeId(), e.getMessage());
        }
      }
      String what = action.equals("list") ? "listed" : action.equals("create") ? "snapshot '" + name + "' taken" : "snapshot '" + name + "' deleted";
      System.out.println(what + " on " + done + " of " + (done + skipped.size() + failed.size()) + " members"
          + (skipped.isEmpty() ? "" : "; skipped (not UP): " + String.join(", ", skipped))
          + (failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed)));
      return skipped.isEmpty() && failed.isEmpty() ? 0 : 2;
    }
  }
}
