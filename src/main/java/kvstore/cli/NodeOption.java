package kvstore.cli;

import kv.Kv;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** Options every kvctl subcommand that talks to one node shares. */
final class NodeOption {
  @Option(names = "--node", defaultValue = "127.0.0.1:50051",
      description = "Address of any node: its client port, or with a cluster certificate its peer port, which status, ring, where and repair need on a secure cluster (default: ${DEFAULT-VALUE})")
  String node;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline of each call (default: ${DEFAULT-VALUE})")
  long timeoutMs;

  @Mixin
  TlsOption tls;

  NodeConnection connect() {
    return connect(timeoutMs);
  }

  NodeConnection connect(long timeoutMs) {
    return new NodeConnection(timeoutMs, tls.tls());
  }

  static Kv.Consistency consistency(String c) {
    if (c == null) {
      return Kv.Consistency.DEFAULT;
    }
    try {
      return Kv.Consistency.valueOf(c.toUpperCase());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--consistency must be ONE, QUORUM, ALL or SERIAL (reads), got " + c);
    }
  }
}
