package kvstore.cli;

import kv.Kv;
import kv.KeyValueGrpcClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "cas", mixinStandardHelpOptions = true,
    description = {"Compare-and-set: write VALUE (or delete, with --delete) only if the key's current state is the expected one,",
        "decided by Paxos among the key's replicas (linearizable per key). Exit 0: applied; 3: the condition did not hold",
        "(the current value is printed); 1: failed (the message says whether it may have applied)."})
final class CasCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Parameters(index = "0", description = "key")
  String key;
  @Parameters(index = "1", arity = "0..1", description = "the new value (none with --delete)")
  String value;
  @ArgGroup(exclusive = true, multiplicity = "1")
  Condition condition;
  @Option(names = "--delete", description = "delete the key instead of writing a value")
  boolean delete;
  @Option(names = "--ttl", converter = Durations.class, paramLabel = "DURATION",
      description = "the new value expires after this long (500ms, 30s, 10m, 2h, 7d)")
  long ttlMs;

  static final class Condition {
    @Option(names = "--expect", paramLabel = "VALUE", description = "only if the current value is this one")
    String value;
    @Option(names = "--expect-absent", description = "only if the key is absent (never written, deleted or expired)")
    boolean absent;
    @Option(names = "--expect-version", paramLabel = "MODIFIED_AT",
        description = "only if the current version is this one (modified_at, as `get --verbose` prints it)")
    Long version;
  }

  @Override
  public Integer call() {
    if (delete == (value != null)) {
      throw new IllegalArgumentException(delete ? "--delete takes no VALUE" : "give VALUE, or --delete");
    }
    Kv.CasRequest.Builder req = Kv.CasRequest.newBuilder().setKey(key).setDelete(delete).setTtlMs(ttlMs);
    if (value != null) {
      req.setValue(value);
    }
    if (condition.absent) {
      req.setExpectAbsent(true);
    } else if (condition.version != null) {
      req.setExpectModifiedAt(condition.version);
    } else {
      req.setExpectValue(condition.value);
    }
    try (NodeConnection c = node.connect()) {
      Kv.CasResponse r = c.call(node.node, KeyValueGrpcClient.CompareAndSet, req.build());
      if (r.getApplied()) {
        System.out.println("APPLIED modified_at=" + r.getModifiedAt());
        return 0;
      }
      System.out.println("NOT APPLIED: " + (r.getFound() ? "current value " + r.getValue() + " modified_at=" + r.getModifiedAt() : "the key is absent"));
      return 3;
    }
  }
}
