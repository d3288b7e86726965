package kvstore.cli;

/**
 * What to do when kvctl could not talk to a node at all (no gRPC status came back): the usual
 * cause is a TLS mismatch between kvctl's options and the port, which Vert.x reports only as
 * "Connection was closed" or "Failed to create SSL connection". Names the fix, with the port.
 */
final class TransportTrouble {
  private TransportTrouble() {
  }

  /** A sentence for the operator, or null when {@code err} is not a transport failure this knows. */
  static String explain(Throwable err, String hostPort, boolean tls) {
    String chain = chain(err);
    if (chain.contains("not an SSL/TLS record") || chain.contains("SslHandshakeTimeout") || chain.contains("handshake timed out")) {
      return hostPort + " does not speak TLS: with --tls-dir, kvctl's operator calls go to a node's peer port (peerPort), not its client port";
    }
    if (chain.contains("PKIX") || chain.contains("unable to find valid certification path") || chain.contains("CertPathValidator")) {
      return hostPort + "'s certificate is not signed by the CA in --tls-dir (ca.pem): are these another cluster's certificates?";
    }
    if (chain.contains("certificate_expired") || chain.contains("CertificateExpired")) {
      return "a certificate has expired (kvctl's kvctl.pem or " + hostPort + "'s): issue new ones with `java -jar node.jar certs`";
    }
    if (chain.contains("Connection was closed") || chain.contains("Connection reset") || chain.contains("certificate_required")
        || chain.contains("bad_certificate") || chain.contains("unknown_ca")) {
      return tls
          ? hostPort + " closed the connection during or after the TLS handshake: it takes only a client certificate of its"
              + " cluster's CA, and kvctl.pem in --tls-dir is not one (another cluster's, or expired)"
          : hostPort + " closed the connection: a peer port (operator calls: status, ring, repair, decommission, removenode,"
              + " cleanup) needs TLS with the cluster's operator certificate: add --tls-dir DIR (the directory `java -jar node.jar"
              + " certs` wrote, holding ca.pem, kvctl.pem and kvctl-key.pem)";
    }
    if (chain.contains("Failed to create SSL connection")) {
      return "no TLS connection to " + hostPort + " (" + root(err) + "): check that it is a peer port and that --tls-dir holds this cluster's"
          + " ca.pem, kvctl.pem and kvctl-key.pem";
    }
    return null;
  }

  private static String chain(Throwable err) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" | ");
    }
    return b.toString();
  }

  private static String root(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
