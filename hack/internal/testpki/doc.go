// Package testpki issues the throwaway certificates of berth's local test
// servers (hack/cluster's kube-apiserver, hack/registry's registry): a CA,
// serving certificates it signs for given IP addresses and DNS names, and
// their PEM encodings, written with mode 0600.
//
// Keys are ECDSA P-256 (the service-account RSA key of hack/cluster is its
// own business); certificates are valid from an hour ago, to tolerate
// clock skew, for the validity the caller asks.
package testpki
