package kvstore.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The TLS options of every kvctl command: a CA to trust, and a client certificate to present. */
final class TlsOption {
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
}
