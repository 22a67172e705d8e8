// Package testenv gives a test package a real Kubernetes API server: one etcd
// and one kube-apiserver, started by envtest from the binaries in the
// repository's bin/ directory (see hack/tools/build.sh), shared by all tests of
// the package and stopped when they finish.
//
// Use it from TestMain, calling Run before anything else:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }
//
// and in tests:
//
//	cfg := testenv.Config(t)       // *rest.Config for an admin user
//	ns := testenv.Namespace(t)     // fresh namespace, deleted after the test
//	path := testenv.Kubeconfig(t)  // kubeconfig file for CLI subprocesses
//
// There are no controllers, scheduler or nodes: objects are stored and
// validated, server-side apply, admission, RBAC and discovery are real, but
// Deployments never become Available and deleted namespaces stay Terminating.
// Use the local cluster (hack/cluster.sh) and test/e2e for that.
//
// The control plane never outlives the test binary: a small watchdog process
// (the test binary itself, re-executed by Run) stops etcd and the API server
// and removes their data when the test binary exits for any reason,
// including a panic, a -timeout or SIGKILL.
package testenv
