package kvstore.cli;

import kv.Kv;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every kvctl subcommand that talks to one node shares. */
final class NodeOption {
  @Option(names = "--node", defaultValue = "127.0.0.1:50051",
      description = "Address of any node: its client port, or with a cluster certificate its peer port, which status, ring, where and repair need on a secure cluster (default: ${DEFAULT-VALUE})")
  String node;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline of each call (default: ${DEFAULT-VALUE})")
  long timeoutMs;

  @Option(names = "--tls-dir", description = "Speak TLS with DIR/ca.pem as the CA and DIR/kvctl.pem, DIR/kvctl-key.pem as the client certificate (what `node.jar cluster` and `node.jar certs kvctl` create)")
  Path tlsDir;

  @Option(names = "--tls-ca", description = "Speak TLS, trusting servers this CA (PEM) signed")
  Path tlsCa;

  @Option(names = "--tls-cert", description = "Client certificate (PEM) to present, signed by the cluster CA")
  Path tlsCert;

  @Option(names = "--tls-key", description = "Private key (PEM, PKCS#8) of --tls-cert")
  Path tlsKey;

  /** The TLS settings asked for, or null for plaintext. */
  NodeConnection.Tls tls() {
    if (tlsDir != null) {
      return new NodeConnection.Tls(tlsDir.resolve("ca.pem"), tlsDir.resolve("kvctl.pem"), tlsDir.resolve("kvctl-key.pem"));
    }
    if (tlsCa == null && tlsCert == null && tlsKey == null) {
      return null;
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    return new NodeConnection.Tls(tlsCa, tlsCert, tlsKey);
  }

  NodeConnection connect() {
    return new NodeConnection(timeoutMs, tls());
  }

  NodeConnection connect(long timeoutMs) {
    return new NodeConnection(timeoutMs, tls());
  }

  static Kv.Consistency consistency(String c) {
    if (c == null) {
      return Kv.Consistency.DEFAULT;
    }
    try {
      return Kv.Consistency.valueOf(c.toUpperCase());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--consistency must be ONE, QUORUM or ALL, got " + c);
    }
  }
}
