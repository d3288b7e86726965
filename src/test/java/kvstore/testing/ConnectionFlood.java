package kvstore.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An attacker holding connections open on one port, as many as it can, from the loopback addresses
 * it is given (127.0.0.2, ... are all this host on Linux, so the node sees several sources): each
 * connection sends {@code hello} (nothing, an HTTP/2 preface, a request) and then sits there; one
 * the node closes is opened again, until {@link #close}. Runs on its own thread.
 */
public final class ConnectionFlood implements AutoCloseable {
  private final int port;
  private final List<String> sources;
  private final int perSource;
  private final byte[] hello;
  private final List<List<SocketChannel>> held = new ArrayList<>();
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final Thread thread;
  private volatile boolean running = true;

  public ConnectionFlood(int port, List<String> sources, int perSource, byte[] hello) {
    this.port = port;
    this.sources = sources;
    this.perSource = perSource;
    this.hello = hello;
    for (int i = 0; i < sources.size(); i++) {
      held.add(new ArrayList<>());
    }
    thread = new Thread(this::run, "flood-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  /** Connections opened so far, refills included. */
  public int opened() {
    return opened.get();
  }

  /** Connections the node had kept open since the sweep before the last (refills not counted). */
  public int open() {
    return open.get();
  }

  private void run() {
    ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
    while (running) {
      int survivors = 0;
      for (int s = 0; s < sources.size() && running; s++) {
        List<SocketChannel> mine = held.get(s);
        mine.removeIf(ch -> {
          try {
            sink.clear();
            if (ch.read(sink) < 0) {
              ch.close();
              return true;
            }
            return false;
          } catch (IOException e) {
            closeQuietly(ch);
            return true;
          }
        });
        survivors += mine.size();
        while (mine.size() < perSource && running) {
          try {
            SocketChannel ch = SocketChannel.open();
            ch.bind(new InetSocketAddress(sources.get(s), 0));
            ch.socket().connect(new InetSocketAddress("127.0.0.1", port), 2000);
            if (hello.length > 0) {
              ch.write(ByteBuffer.wrap(hello));
            }
            ch.configureBlocking(false);
            mine.add(ch);
            opened.incrementAndGet();
          } catch (IOException e) {
            break;
          }
        }
      }
      open.set(survivors);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
    for (List<SocketChannel> list : held) {
      list.forEach(ConnectionFlood::closeQuietly);
    }
  }
}
