// Package oras pins the oras CLI, built only for berth's interoperability
// tests (test/e2e/oras_test.go): what berth copy copies, oras discover must
// list as referrers, and what oras cp -r copies, berth verify must accept.
// berth itself never runs oras.
package oras
