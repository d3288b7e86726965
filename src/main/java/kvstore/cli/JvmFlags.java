package kvstore.cli;

import java.util.List;

/**
 * JVM options for a node or kvctl process that this jar starts (the local cluster; the tests'
 * real processes), by the Java version it runs on. From Java 23 on, protobuf-java's first use of
 * sun.misc.Unsafe makes the JVM print four WARNING lines (no protobuf release avoids it yet); the
 * option states that use instead. Older JVMs refuse to start on an option they do not know.
 */
public final class JvmFlags {
  private JvmFlags() {
  }

  public static List<String> forJava(int javaFeature) {
    return javaFeature >= 23 ? List.of("--sun-misc-unsafe-memory-access=allow") : List.of();
  }
}
