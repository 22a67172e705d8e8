// Package registry runs an in-process OCI registry for tests: the
// go-containerregistry registry behind an httptest server, optionally with
// basic authentication, TLS and client certificates. It stops when the test
// ends.
package registry
