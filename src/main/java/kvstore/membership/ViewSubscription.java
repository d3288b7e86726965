package kvstore.membership;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A verticle's copy of the node's {@link ClusterView}: the current view at subscription, then every
 * view the gossip verticle publishes. Read it from any thread; views are immutable.
 */
public final class ViewSubscription implements Supplier<ClusterView> {
  private volatile ClusterView view;

  private ViewSubscription() {
  }

  /** Subscribes on the caller's context; {@code onChange} runs there for each new view. */
  public static Future<ViewSubscription> subscribe(Vertx vertx, Consumer<ClusterView> onChange) {
    ViewSubscription s = new ViewSubscription();
    vertx.eventBus().<ClusterView>consumer(GossipVerticle.VIEW_ADDRESS, m -> {
      s.view = m.body();
      onChange.accept(s.view);
    });
    return vertx.eventBus().<ClusterView>request(GossipVerticle.VIEW_REQUEST, null).map(m -> {
      // a view published while the request was in flight is newer than the answer
      if (s.view == null) {
        s.view = m.body();
      }
      return s;
    });
  }

  @Override
  public ClusterView get() {
    return view;
  }
}
