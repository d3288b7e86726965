package kvstore.cli;

import kv.Kv;
import kv.KeyValueGrpcClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "mget", mixinStandardHelpOptions = true,
    description = "Read several keys in one call (MultiGet): one line per key; exit code 1 when any is not found or failed.")
final class MultiGetCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(arity = "1..*", description = "keys")
  List<String> keys;
  @Option(names = "--consistency", description = "ONE, QUORUM, ALL or SERIAL (a linearizable read through Paxos; default: the node's readConsistency)")
  String consistency;

  @Override
  public Integer call() {
    try (NodeConnection c = node.connect()) {
      Kv.MultiGetResponse r = c.call(node.node, KeyValueGrpcClient.MultiGet, Kv.MultiGetRequest.newBuilder().addAllKeys(keys)
          .setConsistency(NodeOption.consistency(consistency)).build());
      int exit = 0;
      for (Kv.KeyResult k : r.getResultsList()) {
        if (k.getStatus() != 0) {
          System.out.println(k.getKey() + "\tERROR " + k.getError());
          exit = 1;
        } else if (!k.getFound()) {
          System.out.println(k.getKey() + "\t(not found)");
          exit = 1;
        } else {
          System.out.println(k.getKey() + "\t" + k.getValue());
        }
      }
      return exit;
    }
  }
}
