package kvstore.security;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import kvstore.config.NodeConfig;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The TLS settings of one node, from its CA, certificate and key files. The peer port asks every
 * client for a certificate but lets the handshake finish whatever it presents; {@link PeerAuthenticator}
 * then checks it against the cluster CA per connection. That way a caller without credentials is
 * told why (UNAUTHENTICATED / PERMISSION_DENIED, HTTP 401 / 403) and logged with its address,
 * instead of seeing only a failed handshake.
 */
public final class ClusterTls {
  private final PemKeyCertOptions keyCert;
  private final PemTrustOptions trust;
  private final X509Certificate ca;
  private final X509Certificate own;

  private ClusterTls(PemKeyCertOptions keyCert, PemTrustOptions trust, X509Certificate ca, X509Certificate own) {
    this.keyCert = keyCert;
    this.trust = trust;
    this.ca = ca;
    this.own = own;
  }

  /** This node's own certificate. */
  public X509Certificate own() {
    return own;
  }

  /** Loads and checks the files the config names; null in insecure mode. Throws IllegalArgumentException naming the bad file. */
  public static ClusterTls of(NodeConfig config) {
    if (config.insecure()) {
      return null;
    }
    return load(config.tlsCaFile(), config.tlsCertFile(), config.tlsKeyFile());
  }

  public static ClusterTls load(String caFile, String certFile, String keyFile) {
    X509Certificate ca = readCertificate(caFile, "tlsCaFile");
    X509Certificate cert = readCertificate(certFile, "tlsCertFile");
    readable(keyFile, "tlsKeyFile");
    try {
      cert.verify(ca.getPublicKey());
    } catch (Exception e) {
      throw new IllegalArgumentException("tlsCertFile " + certFile + " is not signed by the CA in tlsCaFile " + caFile);
    }
    return new ClusterTls(new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile),
        new PemTrustOptions().addCertPath(caFile), ca, cert);
  }

  static X509Certificate readCertificate(String file, String key) {
    readable(file, key);
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | CertificateException | ClassCastException e) {
      throw new IllegalArgumentException(key + " " + file + " is not a PEM certificate");
    }
  }

  private static void readable(String file, String key) {
    if (!Files.isReadable(Path.of(file))) {
      throw new IllegalArgumentException(key + " " + file + (Files.exists(Path.of(file)) ? " is not readable" : " does not exist")
          + " (create certificates with `java -jar node.jar certs`)");
    }
  }

  public X509Certificate ca() {
    return ca;
  }

  /**
   * The peer port: TLS always, a client certificate of the cluster CA required at the handshake,
   * so a caller without one is closed before it holds any of the members' room.
   */
  public HttpServerOptions peerServer(HttpServerOptions o) {
    return o.setSsl(true).setKeyCertOptions(keyCert).setClientAuth(ClientAuth.REQUIRED).setTrustOptions(trust)
        .setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
  }

  /** A client of other nodes' peer ports: presents this node's certificate, trusts servers the CA signed. */
  public HttpClientOptions peerClient(HttpClientOptions o) {
    // identity is "signed by the cluster CA", not a host name: nodes are often reached by IP, and
    // the CA signs only cluster members (Cassandra's internode encryption checks the same way)
    return o.setSsl(true).setUseAlpn(true).setKeyCertOptions(keyCert).setTrustOptions(trust).setVerifyHost(false);
  }

  /**
   * The HTTP port with httpTls: this node's certificate; a client certificate asked for, not
   * required (browsers and curl read the console and the key API without one), and checked by
   * {@link PeerAuthenticator} where an operator action needs it.
   */
  public HttpServerOptions httpServer(HttpServerOptions o) {
    return o.setSsl(true).setKeyCertOptions(keyCert).setClientAuth(ClientAuth.REQUEST)
        .setTrustOptions(new AnyClientCertificateOptions());
  }

  /** The client port with clientTls: this node's certificate; client certificates from the CA when required. */
  public HttpServerOptions clientServer(HttpServerOptions o, boolean clientCertRequired) {
    o.setSsl(true).setKeyCertOptions(keyCert).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    if (clientCertRequired) {
      o.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(trust);
    }
    return o;
  }

  /**
   * Vert.x's own {@code TrustOptions.wrap(TrustManager)} needs slf4j on the class path (5.0.7's
   * TrustManagerFactoryWrapper logs through it), so the trust manager is handed over this way.
   */
  private static final class AnyClientCertificateOptions implements TrustOptions {
    private static final TrustManager[] MANAGERS = {new AnyClientCertificate()};

    @Override
    public TrustOptions copy() {
      return this;
    }

    @Override
    public TrustManagerFactory getTrustManagerFactory(io.vertx.core.Vertx vertx) {
      return new TrustManagerFactory(new TrustManagerFactorySpi() {
        @Override
        protected void engineInit(java.security.KeyStore ks) {
        }

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters spec) {
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
          return MANAGERS.clone();
        }
      }, null, "kv-any-client-certificate") {
      };
    }

    @Override
    public java.util.function.Function<String, TrustManager[]> trustManagerMapper(io.vertx.core.Vertx vertx) {
      return serverName -> MANAGERS.clone();
    }
  }

  /** Accepts any chain at the handshake; PeerAuthenticator decides afterwards, where it can answer. */
  private static final class AnyClientCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("this trust manager is for the server side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
