/** Logging: one line per event with the node's id, rate-limited warnings, text from the network quoted safely, unhandled errors. */
package kvstore.log;
