package kvstore.e2e;

import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in headless Chromium (Debian's chromium, driven by playwright-core from
 * src/test/node) against three real nodes: members, ring, event feed, key browser through two
 * nodes, charts under a bench, repair now, and a killed node turning SUSPECT/DOWN on the page.
 * The screenshots are kept in target/console-screenshots for a person to look at.
 */
class ConsoleIT {
  @TempDir
  Path dir;

  @Test
  void theConsoleShowsAndDrivesARealCluster() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "Debian's chromium is missing: .ci/run installs it");
    assertTrue(Files.isDirectory(Path.of("src/test/node/node_modules/playwright-core")),
        "npm dependencies missing: `mvn verify` installs them with `npm ci` in src/test/node");
    Path shots = Path.of("target/console-screenshots");
    Files.createDirectories(shots);
    try (Stream<Path> old = Files.list(shots)) {
      old.forEach(p -> p.toFile().delete());
    }
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 1000)
        .put("failureDetectorMinStdDevMs", 200)).start()) {
      Path out = dir.resolve("console-flow.log");
      Process p = new ProcessBuilder("node", "src/test/node/console-flow.js",
          "127.0.0.1:" + c.config(0).getInteger("httpPort"), "127.0.0.1:" + c.config(1).getInteger("httpPort"),
          String.valueOf(c.process(2).pid()), ProcessCluster.jar(), c.grpcAddress(0), shots.toAbsolutePath().toString())
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the browser scenario must finish: " + Files.readString(out));
      String log = Files.readString(out);
      assertEquals(0, p.exitValue(), log);
      assertTrue(log.contains("ok: node3 is DOWN on the page"), log);
      for (String shot : new String[] {"1-members-ring-events.png", "2-key-browser.png", "3-charts-under-load.png", "4-node3-down.png"}) {
        assertTrue(Files.size(shots.resolve(shot)) > 10_000, shot + " was taken");
      }
    }
  }
}
