/** gRPC plumbing shared by the node and kvctl: calls that keep the server's status message, the peer client, batched flushes. */
package kvstore.rpc;
