package kvstore.e2e;

import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker image's jar, built the way docker/Dockerfile's build stage builds it: the same files
 * copied (its COPY lines, read from the Dockerfile), the same Maven command (its RUN mvn line), in
 * an empty directory. That jar must serve the console whole: every asset the page loads, the chart
 * library included (the image once shipped a blank console because its build skipped npm). The
 * stage's other RUN lines prepare the image (they install npm, which this machine has); no
 * container engine is needed, and none could pull the base images here.
 */
class DockerBuildIT {
  @TempDir
  Path dir;

  private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
  private static final Pattern IMPORT = Pattern.compile("^import .* from '\\./([^']+)';", Pattern.MULTILINE);

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void theImagesJarServesTheWholeConsole() throws Exception {
    Path ctx = dir.resolve("context");
    Path work = build(ctx);
    Path jar = work.resolve("target/node.jar");
    assertTrue(Files.isRegularFile(jar), "the build stage's command made " + jar);

    int http = Ports.free();
    Path conf = dir.resolve("node.json");
    Files.writeString(conf, "{\"nodeId\":\"n1\",\"host\":\"127.0.0.1\",\"grpcPort\":" + Ports.free() + ",\"httpPort\":" + http
        + ",\"peerPort\":" + Ports.free() + ",\"dataDir\":\"" + dir.resolve("data") + "\",\"replicationFactor\":1,\"insecure\":true}");
    Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(), "-conf", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
    try {
      Await.until("the image's node to answer /healthz", Duration.ofSeconds(60), () -> {
        if (!node.isAlive()) {
          throw new AssertionError("the node exited: " + read(dir.resolve("node.log")));
        }
        return Http.send("GET", http, "/healthz", null, null).status() == 200;
      });
      Http.Reply page = Http.send("GET", http, "/", null, null);
      assertEquals(200, page.status());
      Set<String> assets = new LinkedHashSet<>();
      Matcher m = ASSET.matcher(page.body());
      while (m.find()) {
        assets.add(m.group(1));
      }
      assertTrue(assets.contains("console.js") && assets.contains("vendor/uPlot.min.css"), "the page loads: " + assets);
      for (String script : List.copyOf(assets)) {
        if (script.endsWith(".js")) {
          Matcher imports = IMPORT.matcher(Http.send("GET", http, "/" + script, null, null).body());
          while (imports.find()) {
            assets.add(imports.group(1));
          }
        }
      }
      assertTrue(assets.contains("vendor/uPlot.esm.js"), "console.js imports the chart library: " + assets);
      for (String asset : assets) {
        Http.Reply r = Http.send("GET", http, "/" + asset, null, null);
        assertEquals(200, r.status(), asset + " is served");
        assertTrue(r.body().length() > 100, asset + " is not empty");
      }
    } finally {
      node.destroyForcibly().waitFor();
    }
  }

  /** Runs the Dockerfile's build stage without Docker: returns the stage's WORKDIR, built. */
  private static Path build(Path ctx) throws Exception {
    Path repo = Path.of("").toAbsolutePath();
    List<String> lines = joinContinuations(Files.readAllLines(repo.resolve("docker/Dockerfile")));
    Path workdir = ctx;
    int froms = 0;
    List<String> mvn = null;
    for (String line : lines) {
      String l = line.trim();
      if (l.startsWith("FROM ")) {
        if (++froms > 1) {
          break;
        }
      } else if (l.startsWith("WORKDIR ")) {
        workdir = ctx.resolve(l.substring(8).trim().replaceFirst("^/", ""));
        Files.createDirectories(workdir);
      } else if (l.startsWith("COPY ")) {
        List<String> parts = new ArrayList<>(Arrays.asList(l.substring(5).trim().split("\\s+")));
        assertTrue(parts.stream().noneMatch(p -> p.startsWith("--")), "a build-stage COPY this test cannot follow: " + l);
        String dest = parts.remove(parts.size() - 1);
        for (String src : parts) {
          Path from = repo.resolve(src);
          Path to = dest.endsWith("/") || parts.size() > 1 || dest.equals(".") ? workdir.resolve(dest).resolve(from.getFileName().toString())
              : workdir.resolve(dest);
          copy(from, to);
        }
      } else if (l.startsWith("RUN mvn ")) {
        mvn = new ArrayList<>(Arrays.asList(l.substring(4).trim().split("\\s+")));
      }
    }
    assertTrue(mvn != null, "docker/Dockerfile's build stage has a RUN mvn line");
    Process p = new ProcessBuilder(mvn).directory(workdir.toFile()).redirectErrorStream(true)
        .redirectOutput(ctx.resolveSibling("docker-build.log").toFile()).start();
    assertTrue(p.waitFor(8, TimeUnit.MINUTES), "the build stage's mvn finished");
    assertEquals(0, p.exitValue(), String.join(" ", mvn) + ":\n" + read(ctx.resolveSibling("docker-build.log")));
    return workdir;
  }

  private static List<String> joinContinuations(List<String> raw) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : raw) {
      if (line.trim().startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        cur.append(line, 0, line.length() - 1).append(' ');
      } else {
        out.add(cur.append(line).toString());
        cur.setLength(0);
      }
    }
    return out;
  }

  private static void copy(Path from, Path to) throws Exception {
    if (Files.isDirectory(from)) {
      try (var walk = Files.walk(from)) {
        for (Path f : walk.filter(Files::isRegularFile).filter(f -> !f.toString().contains("node_modules")).toList()) {
          Path t = to.resolve(from.relativize(f).toString());
          Files.createDirectories(t.getParent());
          Files.copy(f, t);
        }
      }
    } else {
      Files.createDirectories(to.getParent());
      Files.copy(from, to);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "(" + e + ")";
    }
  }
}
