/** Command-line entry points: starting a node and a local cluster. */
package kvstore.cli;
