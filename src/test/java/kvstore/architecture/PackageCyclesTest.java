package kvstore.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packages import each other one way only: the main code's package graph (from imports and
 * fully qualified names in code) has no cycle once the dependencies listed here as known debt are
 * set aside, so a new cycle fails the build, and removing a listed dependency makes this test ask
 * for its line to go.
 */
class PackageCyclesTest {
  /** Dependencies that still close a cycle, written "from->to". */
  private static final Set<String> KNOWN = Set.of();

  private static final Pattern REF = Pattern.compile("\\bkvstore\\.([a-z]+)\\.[A-Z]");

  private static Map<String, Set<String>> graph() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    Path root = Path.of("src/main/java/kvstore");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
        // comments may name any class; only code makes a dependency
        String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        Matcher m = REF.matcher(code);
        Set<String> to = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            to.add(m.group(1));
          }
        }
      }
    }
    return uses;
  }

  private static boolean reaches(Map<String, Set<String>> g, String from, String to, Set<String> seen) {
    if (!seen.add(from)) {
      return false;
    }
    for (String next : g.getOrDefault(from, Set.of())) {
      if (next.equals(to) || reaches(g, next, to, seen)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void packagesFormADagApartFromTheKnownDebt() throws IOException {
    Map<String, Set<String>> g = graph();
    assertTrue(g.size() > 10, "the scan found the packages: " + g.keySet());
    for (String edge : KNOWN) {
      String[] ends = edge.split("->");
      assertTrue(g.get(ends[0]).remove(ends[1]), edge + " is gone: take it off the known debt");
    }
    List<String> cycles = new ArrayList<>();
    List<String> pkgs = new ArrayList<>(g.keySet());
    for (int i = 0; i < pkgs.size(); i++) {
      for (int j = i + 1; j < pkgs.size(); j++) {
        String a = pkgs.get(i);
        String b = pkgs.get(j);
        if (reaches(g, a, b, new TreeSet<>()) && reaches(g, b, a, new TreeSet<>())) {
          cycles.add(a + "<->" + b);
        }
      }
    }
    assertEquals(List.of(), cycles, "package cycles (uses: " + g + ")");
  }
}
