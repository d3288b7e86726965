package kvstore.http;

import io.vertx.ext.web.RoutingContext;
import kvstore.security.ClusterTls;
import kvstore.security.PeerAuthenticator;

/**
 * Who may run the console's operator actions (repair, decommission, cleanup): on an insecure
 * node anyone who reaches the port, as with every other call there; on a secure node only a
 * caller presenting an operator's certificate the cluster CA signed (certs/kvctl.pem, as for
 * kvctl on the peer port; a node's will not do), which needs httpTls.
 */
final class OperatorGate {
  private final PeerAuthenticator authenticator;
  private final boolean httpTls;

  OperatorGate(ClusterTls tls, boolean httpTls) {
    this.authenticator = tls == null ? null : new PeerAuthenticator(tls.ca());
    this.httpTls = httpTls;
  }

  boolean admits(RoutingContext ctx) {
    return authenticator == null || (ctx.request().isSSL() && authenticator.operator(ctx.request().connection()));
  }

  /** Answers 401/403 naming what is missing, when the caller may not; true when it may. */
  boolean check(RoutingContext ctx) {
    if (admits(ctx)) {
      return true;
    }
    if (!httpTls) {
      JsonAnswers.error(ctx, 403, "operator actions on a secure node need the operator certificate: set httpTls: true on the node "
          + "and present certs/kvctl.pem (or run kvctl against the peer port)");
    } else if (authenticator.verdict(ctx.request().connection()) == PeerAuthenticator.Verdict.NO_CERTIFICATE) {
      JsonAnswers.error(ctx, 401, "operator actions need a client certificate signed by the cluster CA (certs/kvctl.pem); none was presented");
    } else if (authenticator.verdict(ctx.request().connection()) == PeerAuthenticator.Verdict.MEMBER) {
      JsonAnswers.error(ctx, 403, "the certificate presented is a node's: operator actions need the operator certificate (certs/kvctl.pem)");
    } else {
      JsonAnswers.error(ctx, 403, PeerAuthenticator.Verdict.FOREIGN_CERTIFICATE.reason);
    }
    return false;
  }
}
