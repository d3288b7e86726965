package kvstore.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Free loopback ports for test nodes. */
public final class Ports {
  private Ports() {
  }

  // the OS may hand the same ephemeral port out twice; two servers of one Vertx on one port would
  // then silently share the listener, so never give a port out twice in this JVM
  private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public static int free() {
    while (true) {
      try (ServerSocket s = new ServerSocket(0)) {
        if (GIVEN.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
