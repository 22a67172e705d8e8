// Package helm3 pins the newest Helm v3, built only for berth's interop tests
// (importing releases Helm 3 wrote) and benchmarks. berth itself never imports
// Helm.
package helm3
