package kvstore.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A seed address that refuses connections until {@link #open()}, then forwards each to a real
 * node's peer port: a node given only this seed starts (and takes its generation) long before the
 * cluster first hears of it, as a node whose network came up late would. Insecure clusters only
 * (plain bytes are forwarded).
 */
public final class LateSeed implements AutoCloseable {
  private final int port;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  public LateSeed(int target) {
    this.port = Ports.free();
    this.target = target;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Starts listening; from now on every connection reaches the target. */
  public void open() throws IOException {
    server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket in = server.accept();
          Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
          sockets.add(in);
          sockets.add(out);
          pump(in, out);
          pump(out, in);
        } catch (IOException e) {
          // closed, or the target refused: the caller sees a dropped connection, as with a real seed
        }
      }
    }, "late-seed-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed: the other follows below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "late-seed-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    if (server != null) {
      server.close();
    }
    sockets.forEach(LateSeed::closeQuietly);
  }
}
