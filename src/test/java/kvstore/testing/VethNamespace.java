package kvstore.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this host by a veth pair: a node started under {@link #prefix()}
 * lives behind the pair, and taking the host side down cuts it off while its process lives on.
 * Needs root and iproute2; {@link #create} says why when it cannot.
 */
public final class VethNamespace implements AutoCloseable {
  public final String ns;
  public final String hostIp;
  public final String nsIp;
  private final String hostSide;
  private final String nsSide;

  /** {@code id} keeps concurrent namespaces apart (1..250). */
  public VethNamespace(String name, int id) {
    this.ns = name + id;
    this.hostSide = "kvh" + id;
    this.nsSide = "kvn" + id;
    this.hostIp = "10.231." + id + ".1";
    this.nsIp = "10.231." + id + ".2";
  }

  public static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
    }
    return out;
  }

  /** Creates the namespace and the pair; throws with iproute2's words when it cannot. */
  public void create() throws IOException, InterruptedException {
    try {
      run("ip", "netns", "add", ns);
      run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", nsSide);
      run("ip", "link", "set", nsSide, "netns", ns);
      run("ip", "addr", "add", hostIp + "/24", "dev", hostSide);
      run("ip", "link", "set", hostSide, "up");
      run("ip", "netns", "exec", ns, "ip", "addr", "add", nsIp + "/24", "dev", nsSide);
      run("ip", "netns", "exec", ns, "ip", "link", "set", nsSide, "up");
      run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    } catch (IOException | InterruptedException e) {
      close();
      throw e;
    }
  }

  /** The command prefix that runs a process inside the namespace. */
  public List<String> prefix() {
    return List.of("ip", "netns", "exec", ns);
  }

  public void cut() throws IOException, InterruptedException {
    run("ip", "link", "set", hostSide, "down");
  }

  public void heal() throws IOException, InterruptedException {
    run("ip", "link", "set", hostSide, "up");
  }

  @Override
  public void close() {
    try {
      run("ip", "netns", "del", ns);
    } catch (IOException | InterruptedException ignored) {
      // not created, or already gone
    }
    try {
      run("ip", "link", "del", hostSide);
    } catch (IOException | InterruptedException ignored) {
      // deleting the namespace already removed the pair
    }
  }
}
