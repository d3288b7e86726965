package kvstore.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A certificate's role is in its subject, and an operator's cannot serve. */
class CertificateRoleTest {
  @TempDir
  Path dir;

  private X509Certificate load(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Test
  void nodesAndOperatorsGetTheirOwnRoles() throws Exception {
    CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "kvstore");
    ca.issue("node1", List.of("127.0.0.1"));
    ca.issue("kvctl", List.of(), CertificateAuthority.Role.OPERATOR);
    X509Certificate node = load(ca.certFile("node1"));
    X509Certificate operator = load(ca.certFile("kvctl"));
    assertEquals("node", PeerAuthenticator.roleOf(node));
    assertEquals("operator", PeerAuthenticator.roleOf(operator));
    assertTrue(node.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "a node's certificate serves (serverAuth)");
    assertFalse(operator.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "an operator's does not");
    assertTrue(operator.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "an operator's is a client certificate");
    PeerAuthenticator auth = new PeerAuthenticator(load(dir.resolve(CertificateAuthority.CA_CERT)));
    assertTrue(auth.signedByCa(node) && auth.signedByCa(operator));
  }
}
