// Package faultproxy is a reverse proxy for tests that stands between a
// client and a Kubernetes API server and makes the server look flaky: it
// answers some requests with 429 (with Retry-After), 500 or 503, resets
// some connections after forwarding their request (so a write may land
// while its answer is lost), delays others, and can refuse every
// connection to simulate a total outage. It counts every fault it injects,
// so that tests can check faults really happened.
//
// Clients speak plain HTTP to the proxy (Config returns their rest.Config);
// the proxy forwards over TLS with the upstream configuration's
// credentials. Watches are streamed through as they come.
package faultproxy
