package kvstore.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README and docs/ name classes, files, tests and RPCs in backticks; each must exist, so the
 * docs cannot keep pointing at something that was renamed or removed.
 */
class DocsNameRealThingsTest {
  private static final Pattern TICKED = Pattern.compile("`([^`\\s]+)`");
  private static final Pattern SOURCE = Pattern.compile("([a-z]+)/([A-Z][A-Za-z0-9]*)(\\.java)?");
  private static final Pattern REPO_FILE = Pattern.compile("(src|config|docker|proto|docs|k8s|\\.ci)/[A-Za-z0-9_./-]+");
  private static final Pattern TEST_CLASS = Pattern.compile("[A-Z][A-Za-z0-9]*(Test|IT)");
  private static final Pattern RPC = Pattern.compile("(kvreplica\\.Replica|Replica|kv\\.KeyValue|KeyValue)/([A-Z][A-Za-z]+)");

  private static List<Path> documents() throws IOException {
    List<Path> out = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
    }
    return out;
  }

  private static boolean classExists(String pkg, String cls) {
    return Files.exists(Path.of("src/main/java/kvstore", pkg, cls + ".java"))
        || Files.exists(Path.of("src/test/java/kvstore", pkg, cls + ".java"));
  }

  private static boolean testExists(String cls) throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
      return files.anyMatch(p -> p.getFileName().toString().equals(cls + ".java"));
    }
  }

  private static boolean rpcExists(String service, String method) throws IOException {
    String proto = Files.readString(Path.of(service.contains("Replica") ? "proto/replica.proto" : "proto/kv.proto"));
    return proto.contains("rpc " + method + "(");
  }

  @Test
  void everyNamedClassFileTestAndRpcExists() throws IOException {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      Matcher m = TICKED.matcher(Files.readString(doc));
      while (m.find()) {
        String name = m.group(1).replaceAll("[.,:;)]+$", "");
        Matcher src = SOURCE.matcher(name);
        Matcher rpc = RPC.matcher(name);
        boolean ok;
        if (REPO_FILE.matcher(name).matches() && (Files.exists(Path.of(name)) || !src.matches())) {
          ok = Files.exists(Path.of(name));
        } else if (rpc.matches()) {
          ok = rpcExists(rpc.group(1), rpc.group(2));
        } else if (src.matches()) {
          ok = classExists(src.group(1), src.group(2));
        } else if (TEST_CLASS.matcher(name).matches()) {
          ok = testExists(name);
        } else {
          continue;
        }
        checked++;
        if (!ok) {
          missing.add(doc + ": `" + name + "`");
        }
      }
    }
    assertTrue(checked > 50, "the docs name real things: " + checked + " checked");
    assertTrue(missing.isEmpty(), "named in the docs but not in the tree:\n" + String.join("\n", missing));
  }
}
