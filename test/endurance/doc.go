// Package endurance holds tests that restart and stress a local cluster of
// their own while berth works on it: kube-apiserver killed and started
// again in the middle of an upgrade's apply and of its wait, or kept away
// past the operation's --timeout; an etcd compaction while --wait watches;
// fifty upgrades of one release at once and two hundred releases upgraded in
// parallel; the namespace deleted under a running upgrade. Each test checks
// what berth promises: the operation finishes (or fails with a clear error
// in bounded time), the revision's status says what happened, no revision
// is lost or written twice, and the release's lock is released.
//
// The tests carry the build tag endurance and start their cluster with
// hack/cluster (BERTH_CLUSTER_DIR in a temporary directory, so the shared
// .cluster/ of the e2e tests is never disturbed), and run bin/berth:
//
//	make build && go test -tags endurance -count=1 ./test/endurance/
//
// `make endurance` does that; docs/reliability.md has their figures.
package endurance
