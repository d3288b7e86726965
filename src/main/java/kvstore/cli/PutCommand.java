package kvstore.cli;

import kv.Kv;
import kv.KeyValueGrpcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "put", mixinStandardHelpOptions = true, description = "Write a value, stamped with this machine's clock when invoked (timestamp_us).")
final class PutCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", description = "key")
  String key;
  @Parameters(index = "1", description = "value")
  String value;
  @Option(names = "--consistency", description = "ONE, QUORUM or ALL (default: the node's writeConsistency)")
  String consistency;
  @Option(names = "--ttl", converter = Durations.class, paramLabel = "DURATION",
      description = "the value expires after this long (500ms, 30s, 10m, 2h, 7d); it then reads as not found everywhere")
  long ttlMs;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      Kv.PutResponse r = c.call(node.node, KeyValueGrpcClient.Put, Kv.PutRequest.newBuilder().setKey(key).setValue(value)
          .setConsistency(NodeOption.consistency(consistency)).setTtlMs(ttlMs).setTimestampUs(kvstore.version.ClientClock.system().next()).build());
      System.out.println(r.getOk() ? "OK" : "NOT OK: " + r.getMessage());
      return r.getOk() ? 0 : 1;
    }
  }
}
