// Package release is the release model (a named, versioned deployment of a
// chart in a namespace) and its storage: Secret, ConfigMap and memory
// drivers, chunking of large releases, and the per-release Lease lock.
package release
