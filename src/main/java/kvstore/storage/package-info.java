/** The node's SQLite store (WAL, group commit, version-guarded upserts) behind the event bus. */
package kvstore.storage;
