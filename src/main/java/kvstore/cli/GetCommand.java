package kvstore.cli;

import kv.Kv;
import kv.KeyValueGrpcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "get", mixinStandardHelpOptions = true, description = "Read a key; exit code 1 when it is not found.")
final class GetCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", description = "key")
  String key;
  @Option(names = "--consistency", description = "ONE, QUORUM, ALL or SERIAL (a linearizable read through Paxos; default: the node's readConsistency)")
  String consistency;
  @Option(names = "--verbose", description = "also print the version and the coordinating node")
  boolean verbose;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      Kv.GetResponse r = c.call(node.node, KeyValueGrpcClient.Get, Kv.GetRequest.newBuilder().setKey(key)
          .setConsistency(NodeOption.consistency(consistency)).build());
      if (!r.getFound()) {
        System.err.println("not found (coordinator " + r.getOwnId() + ")");
        return 1;
      }
      System.out.println(r.getValue());
      if (verbose) {
        System.out.println("modified_at=" + r.getModifiedAt() + " (" + Instant.ofEpochMilli(r.getModifiedAt()) + ")"
            + (r.getExpiresAt() == 0 ? "" : " expires_at=" + r.getExpiresAt() + " (" + Instant.ofEpochMilli(r.getExpiresAt()) + ")")
            + " coordinator=" + r.getOwnId());
      }
      return 0;
    }
  }
}
