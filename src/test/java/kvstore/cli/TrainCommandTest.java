package kvstore.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AOT training run: three nodes in this JVM serve every kind of call and are gone afterwards. */
class TrainCommandTest {
  private static String run(int[] exit, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    exit[0] = TrainCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aShortRunServesPutsGetsDeletesAndCompareAndSetsWithoutFailures() {
    int[] exit = new int[1];
    String out = run(exit, "--seconds", "4");
    assertEquals(0, exit[0], out);
    for (String op : new String[] {"mixed", "delete", "cas"}) {
      assertTrue(out.lines().anyMatch(l -> l.startsWith("train: " + op + ": ") && !l.contains(": 0 ok") && l.endsWith(", 0 failed")), out);
    }
  }

  @Test
  void badArgumentsAreRefusedWithTheUsage() {
    int[] exit = new int[1];
    String out = run(exit, "--seconds", "0");
    assertEquals(Main.EXIT_CONFIG, exit[0]);
    assertTrue(out.contains("--seconds must be 1..3600"), out);
    out = run(exit, "--bogus");
    assertEquals(Main.EXIT_CONFIG, exit[0]);
    assertTrue(out.contains("usage: java -XX:AOTCacheOutput=node.aot -jar node.jar train"), out);
  }
}
