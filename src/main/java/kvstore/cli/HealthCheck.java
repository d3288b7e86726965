package kvstore.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** {@code java -jar node.jar health [host:gossipPort]}: exit 0 when the node's /healthz answers 200 (Docker HEALTHCHECK). */
final class HealthCheck {
  private HealthCheck() {
  }

  static int run(String[] args) {
    String target = args.length > 0 ? args[0] : System.getenv().getOrDefault("KV_HOST", "127.0.0.1") + ":"
        + System.getenv().getOrDefault("KV_GOSSIP_PORT", "8001");
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
          .send(HttpRequest.newBuilder(URI.create("http://" + target + "/healthz")).timeout(Duration.ofSeconds(3)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return 0;
      }
      System.err.println(target + "/healthz answered HTTP " + r.statusCode());
    } catch (Exception e) {
      System.err.println(target + "/healthz unreachable: " + e);
    }
    return 1;
  }
}
