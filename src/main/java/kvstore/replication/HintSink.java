package kvstore.replication;

import kvstore.version.Versioned;

/** Where a coordinator leaves the writes a replica missed (hinted handoff). */
public interface HintSink {
  HintSink NONE = (target, row) -> { };

  void hint(String target, Versioned row);
}
