// Package release is the release model (a named, versioned deployment of a
// chart in a namespace) and its storage: Secret, ConfigMap and memory
// drivers, chunking of large releases, and the per-release Lease lock.
//
// # Records
//
// Every revision of a release is one record in the release's namespace,
// named berth.release.v1.<name>.v<revision> (RecordName), of Secret type
// berth.sh/release.v1 or a ConfigMap. Its payload is the gzipped JSON
// Release. Its labels are owner=berth, name, version and status; its
// annotations carry the chart name and version, app version, update time,
// a truncated description, the payload's sha256 digest and chunk count, so
// that List and History read metadata only (a metadata-only LIST) and never
// decode payloads.
//
// A payload larger than the chunk size (DefaultChunkSize, under the 1 MiB
// an object may hold) is split into chunk records
// <record>.<digest>.c<i>, labelled berth.sh/chunk=<i>, written before the
// record that points to them. A reader joins the chunks and checks the
// digest, so it never sees a partial release. A write that stops between
// chunks and record leaves chunks only; a retry of the same write replaces
// them and KubeStore.GarbageCollect removes the others.
//
// # Concurrency
//
// Create never overwrites (ErrExists); Update is conditional on the
// ResourceVersion the release was read at (ErrConflict). Commands that
// change a release first take its lock (Locker.Acquire), a
// coordination.k8s.io/v1 Lease berth.lock.<name> renewed in the background
// while held. A lock whose holder stopped renewing it is taken over after
// it expires, and the revisions the holder left pending are marked failed
// with RecoverPending.
package release
