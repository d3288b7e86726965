package kvstore.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.InvalidStatusException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A caller outside the cluster, as an attacker on the same network would be: plaintext, TLS
 * without a certificate (trusting any server), or TLS with a certificate of some other CA. Every
 * call answers what the node answered, or what the transport did when the node would not talk.
 */
public final class Attacker {
  /** How the attacker connects. */
  public enum Mode { PLAINTEXT, TLS_NO_CERT, TLS_FOREIGN_CERT, TLS_MEMBER_CERT }

  private final Vertx vertx;
  private final Mode mode;
  private final Path cert;
  private final Path key;

  /** {@code cert}/{@code key}: the certificate presented in the TLS_*_CERT modes. */
  public Attacker(Vertx vertx, Mode mode, Path cert, Path key) {
    this.vertx = vertx;
    this.mode = mode;
    this.cert = cert;
    this.key = key;
  }

  public Mode mode() {
    return mode;
  }

  /** A gRPC client in this attacker's mode. */
  public GrpcClient grpc() {
    HttpClientOptions http = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
        .setConnectTimeout(3000);
    if (mode != Mode.PLAINTEXT) {
      http.setSsl(true).setUseAlpn(true).setTrustAll(true).setVerifyHost(false);
      if (mode == Mode.TLS_FOREIGN_CERT || mode == Mode.TLS_MEMBER_CERT) {
        http.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
      }
    }
    return GrpcClient.client(vertx, new GrpcClientOptions().setTimeout(5).setTimeoutUnit(TimeUnit.SECONDS)
        .setScheduleDeadlineAutomatically(true), http);
  }

  /** The status name a call ended with: OK, a gRPC status, or TRANSPORT when no gRPC answer came. */
  public static String outcome(Function<SocketAddress, ? extends Future<?>> call, SocketAddress to) {
    try {
      Object r = call.apply(to).await();
      if (r instanceof ReadStream<?> stream) {
        stream.collect(Collectors.toList()).await();
      }
      return "OK";
    } catch (InvalidStatusException e) {
      return e.actualStatus().name();
    } catch (Exception e) {
      // Vert.x rethrows a failed handshake's SSLHandshakeException unchecked
      return "TRANSPORT";
    }
  }

  /** An HTTP POST with a JSON body: the status, or -1 when the connection failed (no HTTP answer). */
  public int post(String host, int port, String path, String contentType, String body) {
    try {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).version(HttpClient.Version.HTTP_1_1);
      if (mode != Mode.PLAINTEXT) {
        b.sslContext(sslContext());
      }
      String scheme = mode == Mode.PLAINTEXT ? "http" : "https";
      HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(URI.create(scheme + "://" + host + ":" + port + path))
          .timeout(Duration.ofSeconds(5)).header("content-type", contentType)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private SSLContext sslContext() throws Exception {
    TrustManager[] trustAll = {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] c, String a) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }};
    SSLContext ctx = SSLContext.getInstance("TLS");
    KeyManagerFactory kmf = null;
    if (mode == Mode.TLS_FOREIGN_CERT || mode == Mode.TLS_MEMBER_CERT) {
      Certificate c;
      try (var in = Files.newInputStream(cert)) {
        c = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      var k = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", k, new char[0], new Certificate[] {c});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
    }
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), trustAll, null);
    return ctx;
  }
}
