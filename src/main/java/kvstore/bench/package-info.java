/** Load generation against the public gRPC API: closed-loop workers, key choosers, latency histograms. */
package kvstore.bench;
