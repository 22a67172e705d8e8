// Package kube is berth's cluster client: server-side apply with berth's field
// manager, staged ordering, diff, prune and readiness waiting, on the dynamic
// client with a RESTMapper that refreshes when CRDs land.
package kube
