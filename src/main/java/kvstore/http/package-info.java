/**
 * The HTTP port: the console (static pages), the HTTP/JSON key API, the cluster's state for the
 * console, its event feed, the operator actions, and /healthz, /metrics, /membership.
 */
package kvstore.http;
