package kvstore.cli;

import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.ring.Ring;
import kvstore.version.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "where", mixinStandardHelpOptions = true,
    description = "The preference list of a key and what each replica holds for it (value hash, version, tombstone).")
final class WhereCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", description = "key")
  String key;

  @Override
  public Integer call() throws Exception {
    try (NodeConnection c = node.connect()) {
      ReplicaProto.NodeStatus s = c.call(node.node, ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
      List<String> ids = new ArrayList<>();
      Map<String, ReplicaProto.MemberInfo> byId = new java.util.HashMap<>();
      for (ReplicaProto.MemberInfo m : s.getMembersList()) {
        byId.put(m.getNodeId(), m);
        // the ring reads use: a JOINING node gets writes of its future ranges but is in no read's preference list yet
        if (!m.getStatus().equals("LEFT") && !m.getState().equals("JOINING")) {
          ids.add(m.getNodeId());
        }
      }
      List<String> prefs = Ring.of(ids, s.getVnodes()).preferenceList(key, s.getReplicationFactor());
      System.out.println("key '" + key + "': token " + Ring.token(key) + ", replicas " + prefs);
      System.out.printf("%-12s %-8s %-18s %-15s %-10s %-7s %s%n", "replica", "status", "value sha256", "modified_at", "tombstone", "bytes",
          "expires_at");
      int exit = 0;
      for (String id : prefs) {
        ReplicaProto.MemberInfo m = byId.get(id);
        try {
          ReplicaProto.ReadResult r = c.call(c.addressOf(m), ReplicaGrpcClient.Read, ReplicaProto.ReadRequest.newBuilder().setKey(key).build());
          if (!r.getPresent()) {
            System.out.printf("%-12s %-8s %s%n", id, m.getStatus(), "(absent)");
          } else {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(r.getRow().getValue().toByteArray());
            long expires = r.getRow().getExpiresAtMs();
            System.out.printf("%-12s %-8s %-18s %-15d %-10s %-7d %s%n", id, m.getStatus(), HexFormat.of().formatHex(hash, 0, 8),
                Versions.toMillis(r.getRow().getVersion()), r.getRow().getTombstone(), r.getRow().getValue().size(),
                expires == 0 ? "never" : expires + (expires <= System.currentTimeMillis() ? " (expired)" : ""));
          }
        } catch (Exception e) {
          // a dead replica is reported as such (the await rethrows connection failures unchecked)
          System.out.printf("%-12s %-8s unreachable: %s%n", id, m.getStatus(), e.getMessage());
          exit = 1;
        }
      }
      return exit;
    }
  }
}
