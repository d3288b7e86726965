package kvstore.security;

import io.vertx.core.http.HttpConnection;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Decides, once per connection, whether a caller of the peer port is a cluster member or operator:
 * it must have presented a certificate that the cluster CA signed and that is valid now (the TLS
 * handshake already proved it holds the certificate's key). Used from one event loop per instance.
 */
public final class PeerAuthenticator {
  /** The outcome for one connection; {@code reason} is what the caller is told. */
  public enum Verdict {
    MEMBER(null),
    NO_CERTIFICATE("the peer port takes only callers with a certificate signed by the cluster CA; none was presented"),
    FOREIGN_CERTIFICATE("the certificate presented is not signed by this cluster's CA, or is expired");

    public final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }
  }

  private final X509Certificate ca;
  private final Map<HttpConnection, Verdict> verdicts = new WeakHashMap<>();
  private final Map<HttpConnection, Boolean> operators = new WeakHashMap<>();

  private final X509Certificate self;

  public PeerAuthenticator(X509Certificate ca) {
    this(ca, null);
  }

  /** {@code self}: this node's own certificate, which drives operator actions on this node only (see {@link #operator}). */
  public PeerAuthenticator(X509Certificate ca, X509Certificate self) {
    this.ca = ca;
    this.self = self;
  }

  public Verdict verdict(HttpConnection connection) {
    return verdicts.computeIfAbsent(connection, this::judge);
  }

  /**
   * Whether the caller may drive operator actions: a member whose certificate says operator, or
   * says no role at all (issued before roles existed; re-issue with `certs` to tell them apart), or
   * this node itself (its console runs an action it has checked the operator's certificate for, by
   * calling its own peer port; whoever holds this node's key holds this node anyway).
   */
  public boolean operator(HttpConnection connection) {
    return verdict(connection) == Verdict.MEMBER && operators.computeIfAbsent(connection, c -> {
      try {
        List<Certificate> chain = c.peerCertificates();
        X509Certificate leaf = (X509Certificate) chain.get(0);
        String ou = roleOf(leaf);
        return ou == null || ou.equals(CertificateAuthority.Role.OPERATOR.ou) || leaf.equals(self);
      } catch (SSLPeerUnverifiedException | RuntimeException e) {
        return false;
      }
    });
  }

  /** The OU of a certificate's subject (its role), or null when it has none. */
  static String roleOf(X509Certificate cert) {
    try {
      for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("OU")) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      return null;
    }
    return null;
  }

  private Verdict judge(HttpConnection connection) {
    List<Certificate> chain;
    try {
      chain = connection.peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Verdict.NO_CERTIFICATE;
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return Verdict.NO_CERTIFICATE;
    }
    return signedByCa(leaf) ? Verdict.MEMBER : Verdict.FOREIGN_CERTIFICATE;
  }

  /** The CA signs node and client certificates directly (no intermediates), so one signature check decides. */
  boolean signedByCa(X509Certificate leaf) {
    try {
      if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
        return false;
      }
      leaf.verify(ca.getPublicKey());
      leaf.checkValidity();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
