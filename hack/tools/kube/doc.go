// Package kube pins the Kubernetes control-plane binaries (kube-apiserver,
// kube-controller-manager, kube-scheduler) that berth's tests and demo run.
// It is a separate module so that the replace directives Kubernetes needs
// never reach berth's own go.mod. hack/tools/build.sh builds from it.
package kube
