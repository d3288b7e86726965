package kvstore.testing;

import kvstore.cli.JvmFlags;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code java -jar node.jar kvctl ...} as its own process, as an operator runs it: its exit code and output. */
public record KvctlRun(int exit, String out) {
  /** The command line that starts the built jar with this JVM, for {@code args} after the jar. */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(JvmFlags.forJava(Runtime.version().feature()));
    cmd.addAll(List.of("-jar", ProcessCluster.jar()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs kvctl with {@code args}; fails when it does not finish within {@code timeoutSec}. */
  public static KvctlRun of(long timeoutSec, String... args) {
    List<String> cmd = new ArrayList<>(List.of("kvctl"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command(cmd.toArray(new String[0]))).redirectErrorStream(true).start();
      if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kvctl " + String.join(" ", args) + " did not finish in " + timeoutSec + " s");
      }
      return new KvctlRun(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
