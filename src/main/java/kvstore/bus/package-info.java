/** The node's local event bus: bodies passed by reference between its verticles. */
package kvstore.bus;
