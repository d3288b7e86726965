package kvstore.api;

import io.vertx.core.http.HttpServerRequest;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.security.ClusterTls;
import kvstore.security.PeerAuthenticator;


/**
 * Who may call what, per request, before any service sees it. The peer port takes only callers
 * with a certificate of the cluster CA; the client port of a secure node refuses the node-to-node
 * and operator methods (kvreplica.Replica, and the prototype's Replicate, GetChunkHash and
 * FetchRange), which live on the peer port. Refusals answer a gRPC status or an HTTP code that says
 * why, and log the caller's address (rate-limited). One instance per event loop.
 */
final class TrustBoundary {
  private static final int UNAUTHENTICATED = 16;
  private static final int PERMISSION_DENIED = 7;

  private final PeerAuthenticator authenticator;
  private final String peerAddress;
  private final NodeMetrics metrics;
  private final EventLog log;

  TrustBoundary(ClusterTls tls, String peerAddress, NodeMetrics metrics, EventLog log) {
    this.authenticator = tls == null ? null : new PeerAuthenticator(tls.ca(), tls.own());
    this.peerAddress = peerAddress;
    this.metrics = metrics;
    this.log = log;
  }

  static boolean internal(String path) {
    return path != null && (path.startsWith("/kvreplica.Replica/") || path.equals("/kv.KeyValue/Replicate")
        || path.equals("/kv.KeyValue/GetChunkHash") || path.equals("/kv.KeyValue/FetchRange"));
  }

  /** The calls that change the cluster or run for hours on an operator's word; no node calls them. */
  static boolean operatorAction(String path) {
    return path != null && (path.equals("/kvreplica.Replica/Decommission") || path.equals("/kvreplica.Replica/RemoveNode")
        || path.equals("/kvreplica.Replica/Cleanup") || path.equals("/kvreplica.Replica/Repair")
        || path.equals("/kvreplica.Replica/Snapshot") || path.equals("/kvreplica.Replica/ImportRows"));
  }

  static boolean isGrpc(HttpServerRequest req) {
    String type = req.getHeader("content-type");
    return type != null && type.startsWith("application/grpc");
  }

  /** True when the caller of the peer port may go on; otherwise the request is answered here. */
  boolean admitOnPeerPort(HttpServerRequest req) {
    if (authenticator == null) {
      return true;
    }
    PeerAuthenticator.Verdict v = authenticator.verdict(req.connection());
    if (v == PeerAuthenticator.Verdict.MEMBER) {
      if (operatorAction(req.path()) && !authenticator.operator(req.connection())) {
        metrics.refused("not_operator");
        log.warnLimited("not-operator", "refused " + EventLog.quote(req.path()) + " on the peer port from " + req.remoteAddress()
            + ": a node's certificate, not the operator's");
        grpcStatus(req, PERMISSION_DENIED, req.path().substring(1) + " is an operator action: it needs the operator certificate"
            + " (certs/kvctl.pem, issued by `certs` as an operator's), not a node's");
        return false;
      }
      return true;
    }
    boolean none = v == PeerAuthenticator.Verdict.NO_CERTIFICATE;
    metrics.refused(none ? "peer_unauthenticated" : "peer_forbidden");
    log.warnLimited("peer-" + v, "refused " + EventLog.quote(req.path()) + " on the peer port from " + req.remoteAddress() + ": " + v.reason);
    if (isGrpc(req)) {
      grpcStatus(req, none ? UNAUTHENTICATED : PERMISSION_DENIED, v.reason);
    } else {
      req.response().setStatusCode(none ? 401 : 403).putHeader("content-type", "text/plain").end(v.reason + "\n");
    }
    return false;
  }

  void refuseOnClientPort(HttpServerRequest req) {
    metrics.refused("client_port_internal");
    String why = req.path().substring(1) + " is a node-to-node or operator call: it is served on the peer port ("
        + peerAddress + ") to holders of a cluster certificate only";
    log.warnLimited("client-internal", "refused " + EventLog.quote(req.path()) + " on the client port from " + req.remoteAddress());
    grpcStatus(req, PERMISSION_DENIED, why);
  }

  /** Anything but gRPC on the client port: a 404 for gossip (it has its own port), else 415, each saying where to go. */
  void refuseNonGrpc(HttpServerRequest req) {
    metrics.refused("client_port_not_grpc");
    boolean gossip = "/gossip".equals(req.path());
    String why = gossip
        ? "gossip is accepted on the peer port (" + peerAddress + "), not on the client (gRPC) port\n"
        : "this is the gRPC port: requests need content-type application/grpc; the HTTP/JSON API and the console are on httpPort\n";
    req.response().setStatusCode(gossip ? 404 : 415).putHeader("content-type", "text/plain").end(why);
  }

  /** A trailers-only gRPC answer: the status without any message. */
  private static void grpcStatus(HttpServerRequest req, int status, String message) {
    req.response().putHeader("content-type", "application/grpc").putHeader("grpc-status", Integer.toString(status))
        .putHeader("grpc-message", kvstore.security.GrpcMessageText.encode(message)).end();
  }
}
