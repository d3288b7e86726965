/**
 * Backups: consistent per-node snapshots of the database with a manifest ({@link kvstore.backup.Snapshots}),
 * and the offline restore of a node from one ({@link kvstore.backup.Restore}). Plain Java over files
 * and a JDBC connection; the node runs it on worker threads, the restore command on its own.
 */
package kvstore.backup;
