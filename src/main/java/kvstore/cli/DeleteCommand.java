package kvstore.cli;

import kv.Kv;
import kv.KeyValueGrpcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a key (writes a tombstone).")
final class DeleteCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", description = "key")
  String key;
  @Option(names = "--consistency", description = "ONE, QUORUM or ALL (default: the node's writeConsistency)")
  String consistency;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      Kv.PutResponse r = c.call(node.node, KeyValueGrpcClient.Delete, Kv.DeleteRequest.newBuilder().setKey(key)
          .setConsistency(NodeOption.consistency(consistency)).setTimestampUs(kvstore.version.ClientClock.system().next()).build());
      System.out.println(r.getOk() ? "OK" : "NOT OK: " + r.getMessage());
      return r.getOk() ? 0 : 1;
    }
  }
}
